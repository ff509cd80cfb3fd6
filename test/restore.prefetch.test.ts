/**
 * The download that runs beside the server's start (restore/prefetch.ts), called directly against s3rver:
 * a dump is handed to one restore, and removed whatever happens to that restore.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalS3, S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { putObject } from "../sim/fixtures/backups";
import { claimPrefetch, prefetchBackup, PrefetchSpec } from "../restore/prefetch";
import { HOUR_MS } from "../lib/time";

const BUCKET = "backups";
const DUMP = "-- PostgreSQL database dump\nSET statement_timeout = 0;\nCREATE TABLE users (id int);\n";
/** One backup's date: the same object, asked for twice, is the same download. */
const TAKEN = Date.now() - HOUR_MS;
let s3: LocalS3;
let lines: string[];
const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(`warn: ${m}`) };

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  await putObject(s3.client(), BUCKET, "spec-1/a.sql", DUMP);
});
afterAll(() => s3?.stop());
beforeEach(() => (lines = []));

function spec(overrides: Partial<PrefetchSpec> = {}, key = "spec-1/a.sql"): PrefetchSpec {
  return {
    backup: { key, url: `s3://${BUCKET}/${key}`, size: Buffer.byteLength(DUMP), lastModified: TAKEN },
    s3: { endpoint: s3.endpoint, region: "us-east-1", bucket: BUCKET, prefix: "spec-1/", timeoutMs: 5000 },
    credentials: S3RVER_CREDENTIALS,
    timeoutMs: 10000,
    maxAgeHours: 26,
    claimWithinMs: 60000,
    ...overrides,
  };
}

/** The dump dirs a process owns. */
function dirsOf(pid: number): string[] {
  return fs
    .readdirSync(os.tmpdir())
    .filter((n) => n.startsWith("spec1-restore-"))
    .map((n) => path.join(os.tmpdir(), n))
    .filter((d) => fs.existsSync(path.join(d, "owner.pid")) && fs.readFileSync(path.join(d, "owner.pid"), "utf8") === String(pid));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("the restore claims the dump once, verified and typed; it stays until the restore releases it", async () => {
  const outs = await prefetchBackup(spec({ claimWithinMs: 300 }), log);
  expect(outs).toMatchObject({ status: "downloaded", identity: { bucket: BUCKET, key: "spec-1/a.sql" } });
  const claimed = claimPrefetch(spec(), log)!;
  expect(claimed.progress).toMatchObject({ type: "plain", checksum: "no .sha256 sidecar" });
  expect(fs.readFileSync(path.join(claimed.dir, "dump"), "utf8")).toBe(DUMP);
  expect(claimPrefetch(spec(), log)).toBeUndefined();
  await sleep(600); // past claimWithinMs: a claimed dump is not expired
  expect(fs.existsSync(path.join(claimed.dir, "dump"))).toBe(true);
  claimed.release();
  expect(fs.existsSync(claimed.dir)).toBe(false);
});

test("a dump no restore claims (the server failed) is removed after claimWithinMs, and the log says so", async () => {
  await prefetchBackup(spec({ claimWithinMs: 300 }), log);
  expect(dirsOf(process.pid)).toHaveLength(1);
  await sleep(600);
  expect(dirsOf(process.pid)).toEqual([]);
  expect(lines.join("\n")).toContain("warn: removed the dump downloaded for s3://backups/spec-1/a.sql: no restore claimed it within 0.3 s");
  expect(claimPrefetch(spec(), log)).toBeUndefined();
});

test("a failed download leaves no dump and hands its error to the restore, which reports it", async () => {
  const stale = spec({}, "spec-1/a.sql");
  const old = { ...stale, backup: { ...stale.backup, lastModified: Date.now() - 72 * HOUR_MS } };
  const outs = await prefetchBackup(old, log);
  expect(outs).toMatchObject({ status: "failed", error: expect.stringContaining("older than the RPO limit") });
  expect(dirsOf(process.pid)).toEqual([]);
  const claimed = claimPrefetch(old, log)!;
  expect(claimed.error).toBe(outs.error);
  claimed.release();
});

test("a dump waiting for its restore is removed when the process exits", () => {
  const script = `
    require("tsx/cjs/api").register();
    const { prefetchBackup } = require("./restore/prefetch.ts");
    prefetchBackup(JSON.parse(process.argv[1]), { info() {}, warn() {} }).then((o) => {
      console.log(JSON.stringify({ status: o.status, pid: process.pid }));
      process.exit(0);
    });`;
  const cwd = path.resolve(__dirname, "..");
  const out = JSON.parse(execFileSync(process.execPath, ["-e", script, JSON.stringify(spec())], { cwd, encoding: "utf8" }));
  expect(out.status).toBe("downloaded");
  expect(dirsOf(out.pid)).toEqual([]);
});
