/**
 * Which backup to restore, from a full listing of the prefix: the newest complete dump by LastModified
 * (ties by key, since S3 endpoints like MinIO/s3rver store whole seconds), never a zero-byte object (a
 * BACKUP_DAILY run that died mid-upload) nor a sidecar (checksums, manifests, logs).
 */
import { HOUR_MS } from "../lib/time";
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  /** Milliseconds since the epoch. */
  readonly lastModified: number;
  readonly etag?: string;
}

export interface BackupChoice extends ListedObject {
  /** `<key>.sha256` when that sidecar exists: the download is verified against it. */
  readonly checksumKey?: string;
}

const SIDECAR_SUFFIXES = [".sha256", ".md5", ".json", ".txt", ".log", ".sig", ".asc"] as const;

function isSidecar(key: string): boolean {
  return SIDECAR_SUFFIXES.some((suffix) => key.toLowerCase().endsWith(suffix)) || key.endsWith("/");
}

function newer(a: ListedObject, b: ListedObject): boolean {
  return a.lastModified !== b.lastModified ? a.lastModified > b.lastModified : a.key > b.key;
}

/** `where` names the listing in the error, e.g. `s3://backups/spec-1/`. */
export function selectLatestBackup(objects: readonly ListedObject[], where: string): BackupChoice {
  let best: ListedObject | undefined;
  let zeroByte = 0;
  let sidecars = 0;
  for (const object of objects) {
    if (isSidecar(object.key)) sidecars++;
    else if (object.size === 0) zeroByte++;
    else if (!best || newer(object, best)) best = object;
  }
  if (!best) {
    throw new Error(
      `no backup to restore in ${where}: ${objects.length} object(s) listed, none is a non-empty dump ` +
        `(${zeroByte} zero-byte, ${sidecars} sidecar); check that BACKUP_DAILY runs and uploads to this bucket and prefix`,
    );
  }
  const checksumKey = `${best.key}.sha256`;
  return objects.some((o) => o.key === checksumKey) ? { ...best, checksumKey } : { ...best };
}

/** The digest from a `.sha256` sidecar (`sha256sum` output: `<hex>  <name>`, or the bare hex). */
export function parseChecksumSidecar(text: string, key: string): string {
  const match = /^\s*([a-fA-F0-9]{64})\b/.exec(text);
  if (!match) throw new Error(`${key}: not a sha256 checksum (expected 64 hex digits, got ${JSON.stringify(text.slice(0, 80))})`);
  return match[1].toLowerCase();
}

/** RPO guard: a backup older than the limit means BACKUP_DAILY has stopped. */
export function checkFreshness(backup: Pick<ListedObject, "key" | "lastModified">, now: number, maxAgeHours: number): void {
  const ageHours = (now - backup.lastModified) / HOUR_MS;
  if (ageHours > maxAgeHours) {
    throw new Error(
      `the newest backup ${backup.key} is ${ageHours.toFixed(1)} h old (taken ${new Date(backup.lastModified).toISOString()}), ` +
        `older than the RPO limit backup.maxAgeMs = ${maxAgeHours} h: BACKUP_DAILY has stopped or fails; fix the backup job before trusting this restore`,
    );
  }
}
