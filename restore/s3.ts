/**
 * The restore test's only S3 operations, all reads: list a prefix (every page), read an object's first
 * bytes (ranged GET), read a small sidecar, stream an object to a file. Clients are made per call (one for
 * all pages of a listing) with a timeout and few retries; errors are turned into messages that say what to fix.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { ListedObject } from "./selection";
import { formatDuration } from "../lib/time";

export interface S3Location {
  /** e.g. the MinIO URL; undefined = AWS. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** e.g. `spec-1/`. */
  readonly prefix: string;
  readonly timeoutMs: number;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function objectUrl(loc: Pick<S3Location, "bucket">, key: string): string {
  return `s3://${loc.bucket}/${key}`;
}

function client(loc: S3Location, creds: S3Credentials): S3Client {
  const { S3Client: Client } = require("@aws-sdk/client-s3");
  return new Client({
    endpoint: loc.endpoint,
    region: loc.region,
    forcePathStyle: loc.endpoint !== undefined,
    credentials: creds,
    maxAttempts: 2,
    requestHandler: { connectionTimeout: loc.timeoutMs, requestTimeout: loc.timeoutMs },
  });
}

/** A message that says what to fix, for an SDK or network error. */
export function describeS3Error(err: unknown, loc: S3Location, action: string): Error {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  const endpoint = loc.endpoint ?? `AWS S3 (${loc.region})`;
  let message: string;
  if (name === "NoSuchBucket") {
    message = `bucket "${loc.bucket}" does not exist at ${endpoint}; check backup.bucket and backup.endpoint`;
  } else if (["InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "Forbidden"].includes(name) || status === 403) {
    message = `S3 at ${endpoint} rejected the credentials (${name}); check the secrets s3AccessKeyId and s3SecretAccessKey (pulumi config set --secret)`;
  } else if (name === "PreconditionFailed" || status === 412) {
    message = `the object changed since it was listed (its ETag differs): a backup was being rewritten; run again`;
  } else if (status === undefined) {
    const detail = e.code ?? e.message ?? name;
    message = `S3 endpoint ${endpoint} is unreachable (${detail}); check backup.endpoint and that the object store is running`;
  } else {
    message = `${name} (HTTP ${status}): ${e.message}`;
  }
  return new Error(`${action}: ${message}`);
}

/**
 * One request, its answer read by `read` before the client is destroyed: destroying it cuts the body
 * of an answer still arriving. A caller making several requests passes its own client, and may pass the
 * signal of a deadline of its own (the error is then rethrown as it came, for the caller to name).
 *
 * The whole request, answer read, ends within `backup.timeoutMs`: the SDK's requestTimeout is a socket idle
 * timeout, which a store trickling a byte at a time never lets fire (measured: a ranged GET and a listing
 * were still running at 8 s against a 1 s timeout).
 */
async function send<T>(
  loc: S3Location,
  creds: S3Credentials,
  command: unknown,
  action: string,
  read: (out: any) => Promise<T>,
  shared?: S3Client,
  outer?: AbortSignal,
): Promise<T> {
  const s3 = shared ?? client(loc, creds);
  const own = AbortSignal.timeout(loc.timeoutMs);
  try {
    return await read(await s3.send(command as never, { abortSignal: outer ? AbortSignal.any([own, outer]) : own }));
  } catch (err) {
    if (outer?.aborted) throw err;
    if (own.aborted)
      throw new Error(
        `${action}: no complete answer within ${formatDuration(loc.timeoutMs)} (backup.timeoutMs); the object store is too slow or trickles its answer`,
      );
    throw describeS3Error(err, loc, action);
  } finally {
    if (!shared) s3.destroy();
  }
}

/** The most objects a listing reads: centuries of daily backups; more is a wrong prefix or a hostile store. */
export const MAX_LISTED_OBJECTS = 100_000;
/** A whole listing ends within this many times backup.timeoutMs (each page within one). */
export const LISTING_TIMEOUTS = 4;

/** Every object under the prefix, following continuation tokens to the end, on one client (one connection). */
export async function listAll(loc: S3Location, creds: S3Credentials): Promise<ListedObject[]> {
  const { ListObjectsV2Command } = require("@aws-sdk/client-s3");
  const objects: ListedObject[] = [];
  const action = `listing ${objectUrl(loc, loc.prefix)}`;
  const s3 = client(loc, creds);
  const deadlineMs = LISTING_TIMEOUTS * loc.timeoutMs;
  const deadline = AbortSignal.timeout(deadlineMs);
  const seen = new Set<string>();
  try {
    let token: string | undefined;
    do {
      const command = new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.prefix, ContinuationToken: token });
      const page = await send<any>(loc, creds, command, action, async (out) => out, s3, deadline);
      for (const o of page.Contents ?? []) {
        objects.push({ key: o.Key, size: Number(o.Size ?? 0), lastModified: new Date(o.LastModified).getTime(), etag: o.ETag });
      }
      if (objects.length > MAX_LISTED_OBJECTS)
        throw new Error(
          `${action}: more than ${MAX_LISTED_OBJECTS} objects; set backup.prefix to the backups' own folder, or expire old backups`,
        );
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      // A store that hands back a token it gave before would be listed forever.
      if (token !== undefined && seen.has(token))
        throw new Error(`${action}: the object store returned a continuation token twice; its listing does not advance`);
      if (token !== undefined) seen.add(token);
    } while (token);
  } catch (err) {
    if (!deadline.aborted) throw err;
    throw new Error(
      `${action}: not finished within ${formatDuration(deadlineMs)} (${LISTING_TIMEOUTS} × backup.timeoutMs); ${objects.length} objects listed so far`,
    );
  } finally {
    s3.destroy();
  }
  return objects;
}

/** The first `length` bytes of an object (a ranged GET: a preview never downloads a dump). */
export function readHead(loc: S3Location, creds: S3Credentials, key: string, length: number): Promise<Buffer> {
  return readRange(loc, creds, key, length, `reading the first bytes of ${objectUrl(loc, key)}`);
}

/** A small object's text, e.g. a checksum sidecar (its first 4 KiB). */
export async function readText(loc: S3Location, creds: S3Credentials, key: string): Promise<string> {
  return (await readRange(loc, creds, key, 4096, `reading ${objectUrl(loc, key)}`)).toString("utf8");
}

function readRange(loc: S3Location, creds: S3Credentials, key: string, length: number, action: string): Promise<Buffer> {
  const { GetObjectCommand } = require("@aws-sdk/client-s3");
  const command = new GetObjectCommand({ Bucket: loc.bucket, Key: key, Range: `bytes=0-${length - 1}` });
  return send(loc, creds, command, action, async (out) => Buffer.from(await out.Body.transformToByteArray()));
}

export interface DownloadResult {
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * The slowest transfer the download accepts: fewer bytes than this in any window of `backup.timeoutMs` (the
 * bound on one request, 30 s by default, so 2 KiB/s) is a stalled peer, not a slow one. A peer that trickles
 * a byte at a time keeps every socket timeout from firing; this and the overall deadline do not depend on it.
 */
export const MIN_BYTES_PER_WINDOW = 64 * 1024;

/**
 * Streams the object into `file` (created 0600), hashing on the way: memory stays flat whatever the size.
 * `etag` pins the object listed, so a backup rewritten in between is refused instead of mixed up. Bounded
 * end to end: the whole transfer by `deadlineMs`, and by MIN_BYTES_PER_WINDOW per `loc.timeoutMs`.
 */
export async function downloadTo(
  loc: S3Location,
  creds: S3Credentials,
  object: { key: string; etag?: string },
  file: string,
  onProgress: (bytes: number) => void,
  deadlineMs: number,
): Promise<DownloadResult> {
  const { GetObjectCommand } = require("@aws-sdk/client-s3");
  const crypto = require("crypto");
  const fs = require("fs");
  const { pipeline } = require("stream/promises");
  const action = `downloading ${objectUrl(loc, object.key)}`;
  const s3 = client(loc, creds);
  const abort = new AbortController();
  let bytes = 0;
  let cut: string | undefined;
  const stop = (why: string) => ((cut ??= why), abort.abort());
  const deadline = setTimeout(
    () => stop(`did not finish within ${Math.round(deadlineMs / 1000)} s (restore.timeoutMs); ${bytes} bytes had arrived`),
    deadlineMs,
  );
  let windowStart = 0;
  const watchdog = setInterval(() => {
    const got = bytes - windowStart;
    if (got < MIN_BYTES_PER_WINDOW)
      stop(
        `stalled: ${got} bytes arrived in the last ${Math.round(loc.timeoutMs / 1000)} s, under the minimum of ` +
          `${MIN_BYTES_PER_WINDOW / 1024} KiB per backup.timeoutMs; the object store or the network is too slow`,
      );
    windowStart = bytes;
  }, loc.timeoutMs);
  try {
    const out: any = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: object.key, IfMatch: object.etag }), {
      abortSignal: abort.signal,
    });
    const hash = crypto.createHash("sha256");
    await pipeline(
      out.Body as NodeJS.ReadableStream,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          bytes += chunk.length;
          onProgress(bytes);
          yield chunk;
        }
      },
      fs.createWriteStream(file, { mode: 0o600 }),
      { signal: abort.signal },
    );
    return { bytes, sha256: hash.digest("hex") };
  } catch (err) {
    if (cut !== undefined) throw new Error(`${action}: ${cut}`);
    throw describeS3Error(err, loc, action);
  } finally {
    clearTimeout(deadline);
    clearInterval(watchdog);
    s3.destroy();
  }
}
