/**
 * The restore's download: the newest backup streamed into a private dump dir (hashed on the way), checked
 * against its size and .sha256 sidecar, its type read from its bytes. Run by the restore itself, or by the
 * prefetch while the disposable server starts (restore/prefetch.ts).
 */
import * as fs from "fs";
import * as path from "path";
import { detectDump, DumpType, HEAD_BYTES } from "./dumpType";
import { formatBytes } from "./lookup";
import { Log, throttled } from "../lib/log";
import type { RestoreReport } from "./report";
import { downloadTo, readText, S3Credentials, S3Location } from "./s3";
import { parseChecksumSidecar } from "./selection";

/** How often a long download or restore says how far it got. */
export const PROGRESS_EVERY_MS = 2000;

export const DUMP_FILE = "dump";

/** What the download found: filled by whoever downloads (this run, or a prefetch while the server started). */
export interface FetchProgress {
  type?: DumpType;
  archiveVersion?: string;
  checksum: RestoreReport["backup"]["checksum"];
  downloadSeconds?: number;
}

/** What a download needs: the backup, where it is, and the bound on the whole transfer. */
export interface FetchSpec {
  readonly backup: {
    readonly key: string;
    readonly url: string;
    readonly size: number;
    readonly lastModified: number;
    readonly etag?: string;
    readonly checksumKey?: string;
    /** As detected by the lookup; the downloaded bytes decide. */
    readonly type?: DumpType;
  };
  readonly s3: S3Location;
  readonly credentials: S3Credentials;
  /** Bounds the whole transfer (and, in the restore, each tool). */
  readonly timeoutMs: number;
}

/** Downloads the backup into `dir`, verifies it (size, .sha256 sidecar) and reads its type from its bytes. */
export async function fetchDump(spec: FetchSpec, dir: string, progress: FetchProgress, log: Log): Promise<void> {
  const file = path.join(dir, DUMP_FILE);
  await download(spec, file, progress, log);
  const detection = detectDump(readHead(file, HEAD_BYTES), spec.backup.url);
  progress.type = detection.type;
  progress.archiveVersion = detection.archiveVersion;
}

async function download(spec: FetchSpec, file: string, progress: FetchProgress, log: Log): Promise<void> {
  const { backup } = spec;
  const started = Date.now();
  const report = throttled((m) => log.info(m), PROGRESS_EVERY_MS);
  report(`downloading ${backup.url} (${formatBytes(backup.size)})`, true);
  const result = await downloadTo(
    spec.s3,
    spec.credentials,
    backup,
    file,
    (bytes) => report(`download: ${formatBytes(bytes)} of ${formatBytes(backup.size)} (${Math.floor((bytes / backup.size) * 100)}%)`),
    spec.timeoutMs,
  );
  progress.downloadSeconds = (Date.now() - started) / 1000;
  log.info(`downloaded ${formatBytes(result.bytes)} in ${progress.downloadSeconds.toFixed(1)} s`);
  if (result.bytes !== backup.size) {
    throw new Error(`download of ${backup.url} is truncated: got ${result.bytes} of ${backup.size} bytes`);
  }
  if (backup.checksumKey === undefined) {
    progress.checksum = "no .sha256 sidecar";
    return;
  }
  const expected = parseChecksumSidecar(await readText(spec.s3, spec.credentials, backup.checksumKey), backup.checksumKey);
  if (expected !== result.sha256) {
    throw new Error(
      `checksum mismatch for ${backup.url}: its sha256 is ${result.sha256}, ${backup.checksumKey} says ${expected}; the backup is corrupt or the sidecar is stale`,
    );
  }
  progress.checksum = "verified against the .sha256 sidecar";
}

export function readHead(file: string, length: number): Buffer {
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(length);
    return head.subarray(0, fs.readSync(fd, head, 0, length, 0));
  } finally {
    fs.closeSync(fd);
  }
}
