/**
 * Where a procedure reports what it does: Pulumi's log inside a provider (providers/kit.ts), the
 * console in scripts, a list in tests. Procedures take one, so they never import Pulumi.
 */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
}

/** A log that prefixes every message, e.g. with the check's name. */
export function prefixed(log: Log, prefix: string): Log {
  return { info: (m) => log.info(`${prefix}${m}`), warn: (m) => log.warn(`${prefix}${m}`) };
}

/** Says nothing: for a benchmark, where printing would be measured too. */
export const silentLog: Log = { info: () => undefined, warn: () => undefined };

/** A log that lets a message through at most every `everyMs`, unless forced. */
export function throttled(
  log: (message: string) => void,
  everyMs: number,
  now: () => number = Date.now,
): (message: string, force?: boolean) => void {
  let last = -Infinity;
  return (message, force = false) => {
    if (force || now() - last >= everyMs) {
      last = now();
      log(message);
    }
  };
}
