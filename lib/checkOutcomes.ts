/**
 * Where the post-deploy checks leave their verdicts for the image-change notice, which must hear about a
 * failure too: the engine runs nothing that depends on a failed resource, so the notice does not depend
 * on the checks; it runs beside them and waits here. Every dynamic resource of an update is served by
 * the one dynamic provider host process, so a board on `globalThis` (looked up at call time: a provider
 * would serialize a captured Map as a copy) is shared by the checks and the notice of that update.
 */
import { pollUntil } from "./poll";

/** What one check reported: its measurements, or why it failed. */
export type CheckOutcome = { readonly passed: true; readonly result: unknown } | { readonly passed: false; readonly message: string };

/** A check run is named by its kind, the run id and the image digests it verified. */
export interface CheckRunKey {
  readonly kind: string;
  readonly runId: string;
  readonly images: Readonly<Record<string, string>>;
}

const BOARD = "__spec1CheckOutcomes";

function board(): Map<string, CheckOutcome> {
  const g = globalThis as unknown as Record<string, Map<string, CheckOutcome> | undefined>;
  return (g[BOARD] ??= new Map());
}

export function checkRunId(key: CheckRunKey): string {
  const images = Object.keys(key.images)
    .sort()
    .map((s) => `${s}=${key.images[s]}`);
  return [key.kind, key.runId, ...images].join(" ");
}

/** Runs a check and leaves its verdict on the board, then passes its result or error on unchanged. */
export async function reportOutcome<T>(key: CheckRunKey, run: () => Promise<T>): Promise<T> {
  try {
    const result = await run();
    board().set(checkRunId(key), { passed: true, result });
    return result;
  } catch (err) {
    board().set(checkRunId(key), { passed: false, message: (err as Error).message });
    throw err;
  }
}

/**
 * The verdicts of `keys`, each as soon as it is there; one missing at `deadlineMs` is `undefined` (the
 * check did not run, or did not finish in time). `progress` hears which are still awaited, now and then.
 */
export async function awaitOutcomes(
  keys: readonly CheckRunKey[],
  deadlineMs: number,
  progress: (waitingFor: string[]) => void,
): Promise<Map<string, CheckOutcome | undefined>> {
  const read = () => new Map(keys.map((k) => [k.kind, board().get(checkRunId(k))]));
  try {
    await pollUntil<void>(
      async () => {
        const missing = [...read()].filter(([, o]) => o === undefined).map(([kind]) => kind);
        return missing.length === 0 ? { done: true, value: undefined } : { done: false, seen: missing.join(", ") };
      },
      {
        what: "post-deploy check verdicts",
        deadlineMs,
        intervalMs: 250,
        // About every 30 s.
        onAttempt: (attempt, seen) => attempt % 120 === 0 && progress(seen.split(", ")),
      },
    );
  } catch (err) {
    if ((err as Error).name !== "DeadlineError") throw err;
  }
  return read();
}
