/**
 * The queue-drain check's decisions, from samples of each BullMQ queue's counts. "Waiting" counts jobs
 * ready to run (waiting + prioritized); delayed jobs (e.g. the next BACKUP_DAILY) are scheduled for
 * later and are not a backlog.
 */
export interface QueueSample {
  readonly at: number;
  readonly paused: boolean;
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  /** Jobs that failed since the check started, counted up to maxFailed + 1 (enough to decide). */
  readonly failedSinceStart: number;
  /** The newest of those failures' reasons, for the report. */
  readonly lastFailure?: string;
}

export type QueueState = "drained" | "falling" | "paused" | "failing" | "stuck" | "waiting";

export interface QueueVerdict {
  readonly queue: string;
  readonly state: QueueState;
  readonly message: string;
}

/** The state of one queue from its samples so far (oldest first); `final` = the deadline has come. */
export function judgeQueue(queue: string, samples: readonly QueueSample[], maxFailed: number, final: boolean): QueueVerdict {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const secs = `${((last.at - first.at) / 1000).toFixed(1)}s`;
  const counts = `waiting ${first.waiting} → ${last.waiting} over ${secs}, active ${last.active}, delayed ${last.delayed}`;
  const verdict = (state: QueueState, message: string) => ({ queue, state, message: `queue ${queue}: ${message} (${counts})` });
  if (last.paused) return verdict("paused", "is paused, so it cannot drain; resume it in the worker dashboard");
  if (last.failedSinceStart > maxFailed) {
    const reason = last.lastFailure ? `; last failure: ${last.lastFailure}` : "";
    return verdict("failing", `more than ${maxFailed} jobs failed while the check ran${reason}`);
  }
  if (last.waiting === 0) return verdict("drained", "drained");
  if (!final) return verdict("waiting", "still waiting");
  const lowest = Math.min(...samples.map((s) => s.waiting));
  if (last.waiting < first.waiting && last.waiting === lowest) return verdict("falling", "still draining, waiting keeps falling");
  return verdict("stuck", "is not draining");
}

/** The check is over when any queue fails for good, or every queue has drained (or it is the deadline). */
export function overall(verdicts: readonly QueueVerdict[]): { done: boolean; pass: boolean } {
  const failed = verdicts.some((v) => v.state === "paused" || v.state === "failing" || v.state === "stuck");
  if (failed) return { done: true, pass: false };
  const waiting = verdicts.some((v) => v.state === "waiting");
  return { done: !waiting, pass: !waiting };
}
