/**
 * What kind of dump a backup is, from its first bytes, and whether the runner's pg_restore can read it.
 * Byte layouts (pg_backup_archiver.c): custom and tar/directory TOCs start `PGDMP`, then the archive
 * version (major, minor, rev), intSize, offSize, format. A directory dump is stored as a tar of its
 * directory; pg_dump's own tar format always has `toc.dat` as its first entry, the directory tar not.
 */
import * as zlib from "zlib";

export const DUMP_TYPES = ["custom", "directory", "tar", "plain", "gzip-plain"] as const;
export type DumpType = (typeof DUMP_TYPES)[number];

/** Enough to see a tar's first entry and the archive header of its `toc.dat`. */
export const HEAD_BYTES = 1024;

export interface Detection {
  readonly type: DumpType;
  /** Archive format version, e.g. "1.14" (pg_dump 12–15), when the head shows it. */
  readonly archiveVersion?: string;
}

/**
 * A plain Error with this name, not a subclass: providers are serialized, and a serialized Error
 * subclass loses its message (its constructor's `super()` becomes a call that sets nothing).
 */
export const UNRECOGNIZED_DUMP = "UnrecognizedDumpError";

function unrecognizedDump(what: string, head: Buffer): Error {
  const message = `${what} is not a PostgreSQL dump (first bytes: ${describeBytes(head)}); expected a custom (PGDMP), tar, directory-as-tar, plain SQL or gzip-compressed plain SQL dump`;
  return Object.assign(new Error(message), { name: UNRECOGNIZED_DUMP });
}

function describeBytes(head: Buffer): string {
  const hex = head.subarray(0, 16).toString("hex").replace(/(..)/g, "$1 ").trim();
  return head.length === 0 ? "none, the object is empty" : hex;
}

/** "1.14" from a `PGDMP` header at `offset`, or undefined. */
export function archiveVersionAt(bytes: Buffer, offset: number): string | undefined {
  if (bytes.length < offset + 8 || bytes.toString("latin1", offset, offset + 5) !== "PGDMP") return undefined;
  return `${bytes[offset + 5]}.${bytes[offset + 6]}`;
}

function tarEntryName(bytes: Buffer, offset: number): string | undefined {
  if (bytes.length < offset + 263 || bytes.toString("latin1", offset + 257, offset + 262) !== "ustar") return undefined;
  return bytes.toString("latin1", offset, offset + 100).replace(/\0.*$/s, "");
}

const SQL_START = /^(--|\/\*|\\|SET\s|CREATE\s|BEGIN|SELECT\s|INSERT\s|COPY\s)/i;

function looksLikeSql(text: string): boolean {
  return !text.includes("\0") && SQL_START.test(text.trimStart());
}

/** `what` names the object in the error, e.g. `s3://backups/spec-1/…`. */
export function detectDump(head: Buffer, what: string): Detection {
  const customVersion = archiveVersionAt(head, 0);
  if (customVersion !== undefined) return { type: "custom", archiveVersion: customVersion };
  const firstEntry = tarEntryName(head, 0);
  if (firstEntry === "toc.dat") return { type: "tar", archiveVersion: archiveVersionAt(head, 512) };
  if (firstEntry !== undefined) return { type: "directory" };
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const text = zlib.gunzipSync(head, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString("utf8");
    if (looksLikeSql(text)) return { type: "gzip-plain" };
    throw unrecognizedDump(`${what} (gzip-compressed)`, Buffer.from(text.slice(0, 16), "latin1"));
  }
  if (looksLikeSql(head.toString("utf8"))) return { type: "plain" };
  throw unrecognizedDump(what, head);
}

/** Highest archive version each pg_restore major reads (K_VERS_MAX in pg_backup_archiver.h). */
const MAX_ARCHIVE_VERSION: ReadonlyArray<readonly [major: number, version: string]> = [
  [11, "1.13"],
  [12, "1.14"],
  [16, "1.15"],
  [17, "1.16"],
];

/** The major version from `pg_restore --version`, e.g. 15 from "pg_restore (PostgreSQL) 15.18 (Debian …)". */
export function toolMajorVersion(versionText: string): number {
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(versionText);
  if (!match) throw new Error(`cannot read a PostgreSQL version from ${JSON.stringify(versionText.trim())}`);
  return Number(match[1]);
}

export function maxArchiveVersion(major: number): string {
  let best = MAX_ARCHIVE_VERSION[0][1];
  for (const [m, version] of MAX_ARCHIVE_VERSION) if (major >= m) best = version;
  return best;
}

function compareVersions(a: string, b: string): number {
  const [am, an] = a.split(".").map(Number);
  const [bm, bn] = b.split(".").map(Number);
  return am - bm || an - bn;
}

/** Fails before any restore work when pg_restore is too old for the archive: it would only fail later. */
export function checkArchiveReadable(archiveVersion: string | undefined, pgRestoreVersion: string): void {
  checkArchiveReadableBy(archiveVersion, toolMajorVersion(pgRestoreVersion));
}

/** The same rule for a known major (preview knows the image's, not yet its pg_restore's output). */
export function checkArchiveReadableBy(archiveVersion: string | undefined, major: number): void {
  if (archiveVersion === undefined) return;
  const max = maxArchiveVersion(major);
  if (compareVersions(archiveVersion, max) > 0) {
    throw new Error(
      `the dump's archive version ${archiveVersion} is newer than pg_restore ${major} reads (up to ${max}): ` +
        `use a pg_restore at least as new as the pg_dump that wrote it (the docker engine runs the postgres image's own; ` +
        `for the local engine set disposablePostgres.binDir to a newer PostgreSQL's bin dir)`,
    );
  }
}
