/**
 * Real backups for the restore tests, the rehearsal and the benchmark: a database seeded with users,
 * sales and tickets, dumped by the real pg_dump in every format the restore accepts, and uploaded to
 * S3 among many older dumps, zero-byte objects and sidecars, as years of BACKUP_DAILY runs leave them.
 */
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LocalPostgres } from "../../local/services/postgres";
import type { DumpType } from "../../restore/dumpType";

const exec = promisify(execFile);

export interface SeedSize {
  readonly users: number;
  readonly sales: number;
  readonly tickets: number;
}

/** What was seeded, in the shape the default smoke queries report it. */
export interface SeedSummary {
  readonly users: number;
  /** Sales in the 30 days before now (the backup is taken right after seeding). */
  readonly recentSales: number;
  readonly ticketsByStatus: Readonly<Record<string, number>>;
}

export const SMALL_SEED: SeedSize = { users: 120, sales: 600, tickets: 90 };

/**
 * Creates `database` with users, sales (one per day-offset 0..59, so half fall in the last 30 days) and
 * tickets (statuses in rotation), plus indexes so a restore has index builds to do like production.
 */
export async function seedDatabase(pg: LocalPostgres, database: string, size: SeedSize = SMALL_SEED): Promise<SeedSummary> {
  const { Client } = require("pg");
  const admin = new Client(pg.connection());
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`).finally(() => admin.end());
  const client = new Client(pg.connection(database));
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL);
      CREATE TABLE sales (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), amount numeric(12,2) NOT NULL, note text, created_at timestamptz NOT NULL);
      CREATE TABLE tickets (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users(id), status text NOT NULL, subject text, created_at timestamptz NOT NULL);
      INSERT INTO users SELECT g, 'user' || g || '@example.com', now() - interval '400 days' FROM generate_series(1, ${size.users}) g;
      INSERT INTO sales SELECT g, 1 + g % ${size.users}, (g % 1000) / 10.0, md5(g::text) || md5((g * 7)::text),
        now() - (g % 60) * interval '1 day' - interval '1 hour' FROM generate_series(1, ${size.sales}) g;
      INSERT INTO tickets SELECT g, 1 + g % ${size.users}, (ARRAY['open','pending','closed'])[1 + g % 3], 'subject ' || md5(g::text),
        now() - (g % 90) * interval '1 day' FROM generate_series(1, ${size.tickets}) g;
      CREATE INDEX sales_created_at ON sales (created_at);
      CREATE INDEX sales_user ON sales (user_id);
      CREATE INDEX tickets_status ON tickets (status);`);
    const recent = await client.query("SELECT count(*)::int AS n FROM sales WHERE created_at >= now() - interval '30 days'");
    const tickets = await client.query("SELECT status, count(*)::int AS n FROM tickets GROUP BY status");
    return {
      users: size.users,
      recentSales: recent.rows[0].n,
      ticketsByStatus: Object.fromEntries(tickets.rows.map((r: { status: string; n: number }) => [r.status, r.n])),
    };
  } finally {
    await client.end();
  }
}

/**
 * Dumps `database` with the real pg_dump into `file`. A directory dump is stored as one object: a tar of
 * the dump directory's contents (`tar -cf <file> -C <dir> .`), which is what the restore expects.
 */
export async function dumpDatabase(pg: LocalPostgres, database: string, type: DumpType, file: string): Promise<void> {
  const pgDump = path.join(pg.binDir, "pg_dump");
  const env = { ...process.env, PGPASSWORD: pg.password };
  const conn = ["--host", pg.host, "--port", String(pg.port), "--username", pg.user, "--dbname", database];
  const format: Record<DumpType, string[]> = {
    custom: ["-Fc"],
    tar: ["-Ft"],
    plain: ["-Fp"],
    "gzip-plain": ["-Fp", "-Z", "6"],
    directory: ["-Fd", "--jobs", "2"],
  };
  const out = type === "directory" ? `${file}.d` : file;
  await exec(pgDump, [...format[type], ...conn, "--file", out], { env });
  if (type === "directory") {
    await exec("tar", ["-cf", file, "-C", out, "."]);
    fs.rmSync(out, { recursive: true, force: true });
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk);
  return hash.digest("hex");
}

/** Uploads a file (streamed) or a buffer/string to `bucket/key`. */
export async function putObject(client: S3Client, bucket: string, key: string, body: string | Buffer | { file: string }): Promise<void> {
  const { PutObjectCommand } = require("@aws-sdk/client-s3");
  const isFile = typeof body === "object" && !Buffer.isBuffer(body);
  const Body = isFile ? fs.createReadStream(body.file) : body;
  const ContentLength = isFile ? fs.statSync(body.file).size : Buffer.byteLength(body);
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body, ContentLength }));
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => { while (next < items.length) await fn(items[next++]); }));
}

/**
 * Years of daily backups before the real one: `count` small older dump objects (their keys sort before
 * any 2026 key), so a correct selection must page through more than 1,000 keys and still skip them all.
 */
export async function uploadOlderBackups(client: S3Client, bucket: string, prefix: string, count: number): Promise<void> {
  const start = Date.UTC(2021, 0, 1);
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${new Date(start + i * 86400000).toISOString().slice(0, 10)}T02-00-00Z.dump`);
  await eachLimited(keys, 16, (key) => putObject(client, bucket, key, "older backup, not the newest"));
}

export type ChecksumSidecar = "matching" | "mismatching" | "none";

/**
 * Uploads `file` as the newest complete backup at `key`, then what a backup job leaves after it: the
 * `.sha256` sidecar (matching, wrong, or none), a zero-byte dump of a run that died, and a manifest.
 */
export async function uploadNewestBackup(client: S3Client, bucket: string, key: string, file: string, checksum: ChecksumSidecar): Promise<void> {
  await putObject(client, bucket, key, { file });
  if (checksum !== "none") {
    const digest = checksum === "matching" ? await sha256File(file) : "0".repeat(64);
    await putObject(client, bucket, `${key}.sha256`, `${digest}  ${path.basename(key)}\n`);
  }
  const dir = key.slice(0, key.lastIndexOf("/") + 1);
  await putObject(client, bucket, `${dir}9999-12-31T02-00-00Z.dump`, "");
  await putObject(client, bucket, `${dir}zz-manifest.json`, JSON.stringify({ latest: key }));
}
