/**
 * The backup downloaded while the disposable server starts: Pulumi creates the download resource
 * (providers/restore/backupDownload.ts) beside the server, and the restore, created after both by the same
 * provider host process, claims the dump here instead of downloading it again. A restore that finds none
 * (a later `pulumi up` that re-runs only the restore) downloads it itself.
 *
 * A dump nobody claims is removed: when no restore claimed it within `claimWithinMs` (the server failed,
 * so the engine starts no restore), on SIGINT/SIGTERM, when the process exits, and after a SIGKILL by the
 * next restore's sweep (its dir names this process as owner, restore/dumpDir.ts).
 */
import * as fs from "fs";
import { createDumpDir, sweepDumpDirs } from "./dumpDir";
import { fetchDump, FetchProgress, FetchSpec } from "./fetch";
import { armSignalGuard, disarmSignalGuard } from "../lib/signalGuard";
import type { Log } from "../lib/log";
import { redact } from "../lib/redact";
import { checkFreshness } from "./selection";
import { formatDuration } from "../lib/time";

export interface PrefetchSpec extends FetchSpec {
  /** The RPO limit: a stale backup is not downloaded (the restore fails on it anyway). */
  readonly maxAgeHours: number;
  /** How long a downloaded dump waits for its restore before it is removed. */
  readonly claimWithinMs: number;
}

export interface Prefetched {
  readonly dir: string;
  /** When the download started: the restore test's start, for its RTO. */
  readonly startedAt: number;
  readonly progress: FetchProgress;
  /** Why the download failed (the restore reports it as its own failure); the dir is empty then. */
  readonly error?: string;
  /** Removes the dump and stops guarding it: the claiming restore calls it when it is done. */
  release(): void;
}

/** What the download resource stores: which backup, and how its download went (no path, no secret). */
export interface PrefetchOutputs {
  readonly identity: ReturnType<typeof prefetchIdentity>;
  readonly status: "downloaded" | "failed";
  readonly downloadSeconds?: number;
  readonly error?: string;
}

/** What makes it a different download: another object, or the same key rewritten. */
export function prefetchIdentity(spec: Pick<FetchSpec, "backup" | "s3">) {
  const { endpoint, bucket } = spec.s3;
  return { endpoint, bucket, key: spec.backup.key, etag: spec.backup.etag, lastModified: spec.backup.lastModified };
}

/**
 * How long a downloaded dump waits for its restore: the engine starts the restore once the server is up,
 * which may take the server's whole start bound after the download began, plus the engine's own steps.
 */
export function claimWindowMs(serverStartTimeoutMs: number): number {
  return serverStartTimeoutMs + 60_000;
}

/** Unclaimed dumps of this process, on globalThis: the download and the restore are separate resources. */
function waiting(): Map<string, { readonly prefetched: Prefetched; readonly expiry: NodeJS.Timeout }> {
  const g = globalThis as Record<string, unknown>;
  return (g.__spec1Prefetched ??= new Map()) as ReturnType<typeof waiting>;
}

const keyOf = (spec: Pick<FetchSpec, "backup" | "s3">) => JSON.stringify(prefetchIdentity(spec));

/** A signal's cleanup is a directory removal: bounded all the same, so the process does exit. */
const SIGNAL_CLEANUP_MS = 5000;

export async function prefetchBackup(spec: PrefetchSpec, log: Log, now: () => number = Date.now): Promise<PrefetchOutputs> {
  const startedAt = now();
  sweepDumpDirs(log);
  const dir = createDumpDir();
  const guard = `restore-prefetch:${dir}`;
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  armSignalGuard(
    guard,
    async (signal) => {
      log.warn(`download interrupted by ${signal}: removing the downloaded dump ${dir}`);
      remove();
    },
    SIGNAL_CLEANUP_MS,
  );
  process.on("exit", remove);
  const release = () => {
    disarmSignalGuard(guard);
    process.removeListener("exit", remove);
    remove();
  };
  const progress: FetchProgress = { checksum: "not checked" };
  let error: string | undefined;
  try {
    checkFreshness(spec.backup, startedAt, spec.maxAgeHours);
    await fetchDump(spec, dir, progress, log);
  } catch (err) {
    // Stored in state and handed to the restore's report: whatever the S3 peer echoed, no credential.
    error = redact((err as Error).message, [spec.credentials]);
    remove();
    log.warn(`the download failed; the restore reports it: ${error}`);
  }
  const key = keyOf(spec);
  // The same backup downloaded again before a restore took the first copy: that copy goes, with its timer.
  const earlier = waiting().get(key);
  if (earlier) {
    clearTimeout(earlier.expiry);
    earlier.prefetched.release();
  }
  const expiry = setTimeout(() => {
    waiting().delete(key);
    release();
    log.warn(`removed the dump downloaded for ${spec.backup.url}: no restore claimed it within ${formatDuration(spec.claimWithinMs)}`);
  }, spec.claimWithinMs).unref();
  waiting().set(key, { prefetched: { dir, startedAt, progress, error, release }, expiry });
  return {
    identity: prefetchIdentity(spec),
    status: error === undefined ? "downloaded" : "failed",
    ...(error === undefined ? { downloadSeconds: progress.downloadSeconds } : { error }),
  };
}

/** The dump this process downloaded for this backup and nobody claimed yet; the caller must release it. */
export function claimPrefetch(spec: Pick<FetchSpec, "backup" | "s3">, log: Log): Prefetched | undefined {
  const key = keyOf(spec);
  const entry = waiting().get(key);
  if (!entry) return undefined;
  clearTimeout(entry.expiry);
  waiting().delete(key);
  if (entry.prefetched.error === undefined) log.info(`restoring the dump downloaded while the server started (${entry.prefetched.dir})`);
  return entry.prefetched;
}
