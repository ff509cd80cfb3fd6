/**
 * Work that must not be abandoned when the process running it is stopped (Pulumi's provider host under
 * `pulumi up`, which gets Ctrl-C with the CLI, or a cancelled CI job's SIGINT/SIGTERM): paused queues to
 * resume, a production dump to delete. Each piece of work arms a cleanup under its own key; on the first
 * SIGINT or SIGTERM every armed cleanup runs (each bounded by its own `boundMs`), then the process exits
 * with the signal's code. The registry lives on `globalThis`: separate resources served by one host process
 * arm and disarm it (the drill's pause and resume steps).
 */
const REGISTRY = "__spec1SignalGuards";
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
type GuardedSignal = (typeof SIGNALS)[number];
const EXIT_CODES: Record<GuardedSignal, number> = { SIGINT: 130, SIGTERM: 143 };

interface Registry {
  readonly cleanups: Map<string, { readonly run: (signal: GuardedSignal) => Promise<void>; readonly boundMs: number }>;
  readonly handlers: Map<GuardedSignal, () => void>;
}

function registry(): Registry {
  const g = globalThis as Record<string, unknown>;
  return (g[REGISTRY] ??= { cleanups: new Map(), handlers: new Map() }) as Registry;
}

function onSignal(signal: GuardedSignal): void {
  const r = registry();
  for (const [s, handler] of r.handlers) process.removeListener(s, handler);
  r.handlers.clear();
  const cleanups = [...r.cleanups.values()];
  r.cleanups.clear();
  const bounded = cleanups.map(({ run, boundMs }) =>
    Promise.race([run(signal).catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, boundMs).unref())]),
  );
  void Promise.all(bounded).finally(() => process.exit(EXIT_CODES[signal]));
}

/** Arms `cleanup` under `key` (replacing one armed before) until disarmed. */
export function armSignalGuard(key: string, cleanup: (signal: GuardedSignal) => Promise<void>, boundMs: number): void {
  const r = registry();
  r.cleanups.set(key, { run: cleanup, boundMs });
  if (r.handlers.size > 0) return;
  for (const signal of SIGNALS) {
    const handler = () => onSignal(signal);
    r.handlers.set(signal, handler);
    process.once(signal, handler);
  }
}

export function disarmSignalGuard(key: string): void {
  const r = registry();
  r.cleanups.delete(key);
  if (r.cleanups.size > 0) return;
  for (const [signal, handler] of r.handlers) process.removeListener(signal, handler);
  r.handlers.clear();
}

/** Whether a process still runs (a PID file's owner). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The PID a PID file names when that process is gone (what a SIGKILL left behind), else undefined: no
 * file, not a PID, or its process still runs.
 */
export function deadOwner(pidFile: string): number | undefined {
  const fs = require("fs") as typeof import("fs");
  let owner: number;
  try {
    owner = Number(fs.readFileSync(pidFile, "utf8"));
  } catch {
    return undefined;
  }
  return Number.isInteger(owner) && owner > 0 && !processAlive(owner) ? owner : undefined;
}
