#!/usr/bin/env bash
# After a cancelled or timed-out job: releases the stack lock, but only when the update holding it is
# this job's own. The runner signals only a step's top process and then kills it (research §5a), so a
# `pulumi up` killed mid-update can leave the stack locked for the next run. "Own" means: this job's up
# step recorded its PID (`echo $$ > "$RUNNER_TEMP/spec1-pulumi-<stack>.pid"` before `exec pulumi up`)
# and that process has ended; the workflows' concurrency groups keep other runs off the stack meanwhile.
#   scripts/releaseStackLock.sh <stack>
set -euo pipefail
stack="${1:?usage: releaseStackLock.sh <stack>}"
pidfile="${RUNNER_TEMP:-/tmp}/spec1-pulumi-$stack.pid"
if [ ! -f "$pidfile" ]; then
  echo "stack $stack: this job started no pulumi update; nothing to release"
  exit 0
fi
pid="$(cat "$pidfile")"
# A pulumi still cancelling gracefully releases the lock itself: give it the runner's own 10 s.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  kill -0 "$pid" 2>/dev/null || break
  sleep 1
done
if kill -0 "$pid" 2>/dev/null; then
  echo "stack $stack: this job's pulumi (pid $pid) is still running; not cancelling under it" >&2
  exit 1
fi
echo "stack $stack: this job's update (pid $pid) was stopped; cancelling it so the next run finds the stack unlocked"
pulumi cancel --yes --stack "$stack"
rm -f "$pidfile"
