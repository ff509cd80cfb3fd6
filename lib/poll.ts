/**
 * A bounded wait: every wait in this project has a deadline and, when it ends, says what it last saw.
 * Attempts start a fixed interval apart (counted from the previous start), so a verdict comes at most one
 * interval after the condition holds; a growing interval would make it later the longer the wait. An
 * attempt that outlives the deadline does not extend it: the wait ends at the deadline, reporting it.
 */
export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly waitedMs: number,
    readonly lastSeen: string,
  ) {
    // Under a second, in ms: "within 0s" would read as no wait at all.
    const waited = waitedMs < 1000 ? `${waitedMs}ms` : `${Math.round(waitedMs / 1000)}s`;
    const message = `${what}: not reached within ${waited}; last seen: ${lastSeen}`;
    super(message);
    // Serialized into a dynamic provider, the class becomes a function calling `Error.call(this, …)`, which
    // leaves `this.message` unset: set it here or the provider reports "undefined".
    this.message = message;
    this.name = "DeadlineError";
  }
}

export interface PollOptions {
  /** What is awaited, for the error message, e.g. "api health". */
  readonly what: string;
  readonly deadlineMs: number;
  /** From the start of one attempt to the start of the next. */
  readonly intervalMs: number;
  /** Called after every attempt, e.g. to log progress. */
  readonly onAttempt?: (attempt: number, lastSeen: string) => void;
}

/** One attempt: `done` ends the wait with `value`; otherwise `seen` describes the state for the next report. */
export type PollStep<T> = { done: true; value: T } | { done: false; seen: string };

/** How much earlier than the deadline an attempt is asked to end, so its own answer beats the cut-off. */
const SETTLE_MS = 100;

export async function pollUntil<T>(step: (remainingMs: number) => Promise<PollStep<T>>, opts: PollOptions): Promise<T> {
  const start = Date.now();
  const deadline = start + opts.deadlineMs;
  // A timer may fire a millisecond early by Date.now() (Node's timers run on a monotonic clock): a wait that ran
  // to its deadline says so, not "within 799ms" of an 800 ms bound.
  const waitedToDeadline = () => Math.max(Date.now() - start, opts.deadlineMs);
  let lastSeen = "";
  for (let attempt = 1; ; attempt++) {
    const began = Date.now();
    if (began >= deadline) throw new DeadlineError(opts.what, began - start, lastSeen || "no attempt within the deadline");
    const remaining = deadline - began;
    // A later attempt left with too little time could only time out, and its "no answer within 1ms" would
    // replace what the earlier attempts saw (a health check's "degraded"): none starts; the wait ends at the deadline with that.
    if (attempt > 1 && remaining < 2 * SETTLE_MS) {
      await sleep(remaining);
      throw new DeadlineError(opts.what, waitedToDeadline(), lastSeen);
    }
    // The attempt's own bounds end a little before the wait's, so it reports why it failed before the deadline cuts it off.
    const result = await withinDeadline(step(remaining > 2 * SETTLE_MS ? remaining - SETTLE_MS : remaining), deadline);
    // Cut off at the deadline: what the earlier attempts saw is the report; if none finished, say that.
    if (result === undefined)
      throw new DeadlineError(opts.what, waitedToDeadline(), attempt === 1 ? "no answer: the first attempt was still running" : lastSeen);
    if (result.done) return result.value;
    lastSeen = result.seen;
    opts.onAttempt?.(attempt, lastSeen);
    const next = Math.min(began + opts.intervalMs, deadline);
    if (Date.now() >= deadline) throw new DeadlineError(opts.what, Date.now() - start, lastSeen);
    await sleep(next - Date.now());
  }
}

/** The attempt's result, or undefined once the deadline has passed (the attempt is left to its own bounds). */
function withinDeadline<T>(attempt: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()))));
  return Promise.race([attempt, expired]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
