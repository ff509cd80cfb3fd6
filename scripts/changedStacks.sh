#!/usr/bin/env bash
# The stacks whose Pulumi.<stack>.yaml changed between two commits, one per line. Removed files and
# Pulumi.rehearsal-*.yaml (templates for `npm run rehearse`, not Pulumi stacks) are left out, and said so on stderr.
#   scripts/changedStacks.sh <base> <head>
set -euo pipefail
base="${1:?usage: changedStacks.sh <base> <head>}"
head="${2:?usage: changedStacks.sh <base> <head>}"
git diff --name-only "$base" "$head" -- 'Pulumi.*.yaml' | sed -n 's/^Pulumi\.\(.*\)\.yaml$/\1/p' | while read -r stack; do
  if [ ! -f "Pulumi.$stack.yaml" ]; then echo "stack $stack: file removed, nothing to check" >&2; continue; fi
  case "$stack" in rehearsal-*) echo "stack $stack: rehearsal template, not a Pulumi stack" >&2; continue ;; esac
  echo "$stack"
done
