/**
 * The backup a restore will use, found read-only (a full listing plus one ranged GET of its first bytes)
 * so that `pulumi preview` can show it: key, size, age and detected type. See docs/restore-test.md for
 * why this runs in the program, like a provider's data-source lookup, and not in a resource.
 */
import { checkArchiveReadableBy, detectDump, DumpType, HEAD_BYTES, UNRECOGNIZED_DUMP } from "./dumpType";
import { listAll, objectUrl, readHead, S3Credentials, S3Location } from "./s3";
import { HOUR_MS } from "../lib/time";
import { BackupChoice, checkFreshness, selectLatestBackup } from "./selection";

export interface BackupPreview extends BackupChoice {
  readonly url: string;
  /** "unrecognized": the restore will fail on it, with `problem` in its report; preview warns. */
  readonly type: DumpType | "unrecognized";
  readonly archiveVersion?: string;
  readonly problem?: string;
  /** Age when looked up, in hours (one decimal): the restore recomputes it when it runs. */
  readonly ageHours: number;
}

export async function findLatestBackup(loc: S3Location, creds: S3Credentials, now: number): Promise<BackupPreview> {
  const objects = await listAll(loc, creds);
  const choice = selectLatestBackup(objects, objectUrl(loc, loc.prefix));
  const url = objectUrl(loc, choice.key);
  const head = await readHead(loc, creds, choice.key, HEAD_BYTES);
  const detection = detectOrExplain(head, url);
  const ageHours = Math.round(((now - choice.lastModified) / HOUR_MS) * 10) / 10;
  return { ...choice, url, ...detection, ageHours };
}

function detectOrExplain(head: Buffer, url: string): Pick<BackupPreview, "type" | "archiveVersion" | "problem"> {
  try {
    return detectDump(head, url);
  } catch (err) {
    if ((err as Error).name === UNRECOGNIZED_DUMP) return { type: "unrecognized", problem: (err as Error).message };
    throw err;
  }
}

/**
 * What preview can already tell will fail the up, by the rules the restore applies when it runs: a backup
 * past the RPO limit, an archive newer than the server's tools read (`serverMajor` unknown: no claim).
 */
export function previewWarnings(b: BackupPreview, now: number, maxAgeHours: number, serverMajor: number | undefined): string[] {
  const warnings: string[] = [];
  for (const rule of [
    () => checkFreshness(b, now, maxAgeHours),
    () => serverMajor !== undefined && checkArchiveReadableBy(b.archiveVersion, serverMajor),
  ]) {
    try {
      rule();
    } catch (err) {
      warnings.push(`the restore will fail: ${(err as Error).message}`);
    }
  }
  return warnings;
}

export function describeBackup(b: BackupPreview): string {
  const version = b.archiveVersion ? ` archive ${b.archiveVersion}` : "";
  return `${b.url} (${formatBytes(b.size)}, ${b.ageHours} h old, ${b.type}${version}${b.checksumKey ? ", sha256 sidecar" : ""})`;
}

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) ((v /= 1024), i++);
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
