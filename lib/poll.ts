/**
 * A bounded wait: every wait in this project has a deadline and, when it ends, says what it last saw.
 * The interval grows (×1.5, capped) so a slow service is not hammered while a fast one is seen quickly.
 */
export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly waitedMs: number,
    readonly lastSeen: string,
  ) {
    const message = `${what}: not reached within ${Math.round(waitedMs / 1000)}s; last seen: ${lastSeen}`;
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
  readonly intervalMs: number;
  /** Upper bound of the growing interval; defaults to 4 × intervalMs. */
  readonly maxIntervalMs?: number;
  /** Called after every attempt, e.g. to log progress. */
  readonly onAttempt?: (attempt: number, lastSeen: string) => void;
}

/** One attempt: `done` ends the wait with `value`; otherwise `seen` describes the state for the next report. */
export type PollStep<T> = { done: true; value: T } | { done: false; seen: string };

export async function pollUntil<T>(step: (remainingMs: number) => Promise<PollStep<T>>, opts: PollOptions): Promise<T> {
  const start = Date.now();
  const maxInterval = opts.maxIntervalMs ?? opts.intervalMs * 4;
  let interval = opts.intervalMs;
  let lastSeen = "nothing yet";
  for (let attempt = 1; ; attempt++) {
    const remaining = opts.deadlineMs - (Date.now() - start);
    if (remaining <= 0) throw new DeadlineError(opts.what, Date.now() - start, lastSeen);
    const result = await step(remaining);
    if (result.done) return result.value;
    lastSeen = result.seen;
    opts.onAttempt?.(attempt, lastSeen);
    const left = opts.deadlineMs - (Date.now() - start);
    if (left <= 0) throw new DeadlineError(opts.what, Date.now() - start, lastSeen);
    await sleep(Math.min(interval, left));
    interval = Math.min(Math.round(interval * 1.5), maxInterval);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
