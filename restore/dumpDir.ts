/**
 * Where a production dump lives on the runner while it is restored: a private dir under the temp dir that
 * no path leaves behind. A normal end removes it (finally); SIGINT/SIGTERM of the process stops the tools
 * reading it and removes it before the process exits (lib/signalGuard.ts); a SIGKILL cannot be caught, so
 * the dir records its owner's PID and the next restore removes a dir whose owner is gone, and says so.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Log } from "../lib/log";
import { armSignalGuard, deadOwner, disarmSignalGuard } from "../lib/signalGuard";

const PREFIX = "spec1-restore-";
const OWNER_FILE = "owner.pid";
/** A signal's cleanup: stop the tools, end their sessions, remove the dump; bounded so the process does exit. */
const SIGNAL_CLEANUP_MS = 10000;

/** Removes the dump dirs of restores whose process is gone (killed); returns what it removed. */
export function sweepDumpDirs(log: Log, tmpDir = os.tmpdir()): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(tmpDir).filter((n) => n.startsWith(PREFIX))) {
    const dir = path.join(tmpDir, name);
    // No owner file: not ours, or not yet written; a live owner: a restore running now. Either way, leave it.
    const owner = deadOwner(path.join(dir, OWNER_FILE));
    if (owner === undefined) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    log.warn(`removed ${dir}: a dump left by a restore whose process (pid ${owner}) was killed`);
    removed.push(dir);
  }
  return removed;
}

/** A fresh 0700 dump dir that names this process as its owner. */
export function createDumpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
  fs.chmodSync(dir, 0o700);
  fs.writeFileSync(path.join(dir, OWNER_FILE), String(process.pid), { mode: 0o600 });
  return dir;
}

/**
 * Runs `fn` with a dump dir (a fresh one, or one a prefetch filled) and an AbortSignal for the commands it
 * starts. On SIGINT/SIGTERM the signal aborts them (SIGKILL), `onSignal` runs (e.g. ending their database
 * sessions), the dir is removed, and the process exits. The dir is removed whatever happens.
 */
export async function withDumpDir<T>(
  fn: (dir: string, signal: AbortSignal) => Promise<T>,
  onSignal: () => Promise<void>,
  log: Log,
  dir: string = createDumpDir(),
): Promise<T> {
  const controller = new AbortController();
  const key = `restore-dump:${dir}`;
  armSignalGuard(
    key,
    async (signal) => {
      log.warn(`restore interrupted by ${signal}: stopping its tools and removing the downloaded dump ${dir}`);
      controller.abort();
      fs.rmSync(dir, { recursive: true, force: true });
      await onSignal();
    },
    SIGNAL_CLEANUP_MS,
  );
  try {
    return await fn(dir, controller.signal);
  } finally {
    disarmSignalGuard(key);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
