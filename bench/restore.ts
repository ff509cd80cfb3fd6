/**
 * Restore-test benchmark, one run, same seeded dump for every contender (a custom-format dump of a few
 * hundred MB, served by s3rver):
 *   baseline — the runbook by hand: a default-config Postgres, download the whole file, single-job
 *              pg_restore, psql for the smoke SQL;
 *   ours     — what the restore stack's providers run: the local engine's disposable server, the
 *              streamed + hashed + verified download, pg_restore --jobs <cpus>, read-only smoke SQL
 *              (in a child process, so its peak memory is its own);
 *   floor    — the larger of download-only and that same pg_restore alone on a local file.
 *
 *   npm run bench:restore            (BENCH_SALES=3000000 rows of sales by default)
 */
import { fork } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startPostgres } from "../sim/services/postgres";
import { S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { DISPOSABLE_SERVER_SETTINGS, pgRestoreCommand, psqlCommand } from "../restore/commands";
import { runCommand } from "../lib/exec";
import { silentLog } from "../lib/log";
import { PgEndpoint, runnerBinDir, withPgClient } from "../lib/postgres";
import { HOUR_MS } from "../lib/time";
import { startLocalCluster, stopLocalCluster } from "../restore/localEngine";
import { BackupPreview, findLatestBackup, formatBytes } from "../restore/lookup";
import { RestoreSpec, runRestoreTest } from "../restore/restoreTest";
import { downloadTo, S3Location } from "../restore/s3";
import { DEFAULT_SMOKE_QUERIES } from "../config/restore";
import { dumpDatabase, seedDatabase, uploadNewestBackup } from "../sim/fixtures/backups";

const BIN_DIR = runnerBinDir();
const DATABASE = "restore_test";
const JOBS = os.cpus().length;

interface OursInput {
  readonly loc: S3Location;
  readonly backup: BackupPreview;
}

interface OursResult {
  readonly totalMs: number;
  readonly startMs: number;
  readonly timings: Record<string, number | undefined>;
  readonly status: string;
  readonly error?: string;
  readonly peakRssBytes: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  const value = await fn();
  return [value, Date.now() - start];
}

/** A server to restore into; `settings` {} = a default-config server, as `docker run postgres:16` gives. */
async function server(settings: Record<string, string>) {
  const password = "bench";
  const instanceId = `bench-${process.pid}-${Date.now()}`;
  const cluster = await startLocalCluster({ binDir: BIN_DIR, port: 0, instanceId, password, settings, startTimeoutMs: 60000 });
  const target = {
    engine: "local" as const,
    instanceId,
    host: cluster.host,
    port: cluster.port,
    user: cluster.user,
    password,
    binDir: BIN_DIR,
    baseDir: cluster.baseDir,
  };
  const createDb = psqlCommand(path.join(BIN_DIR, "psql"), { ...target, database: "postgres" });
  await runCommand(
    { ...createDb, args: [...createDb.args, "-c", `CREATE DATABASE ${DATABASE}`], env: { PGPASSWORD: password } },
    { what: "createdb", timeoutMs: 30000 },
  );
  return { target, stop: () => stopLocalCluster(cluster, BIN_DIR) };
}

async function pgRestoreAlone(file: string, settings: Record<string, string>, jobs: number): Promise<number> {
  const s = await server(settings);
  try {
    const cmd = pgRestoreCommand(path.join(BIN_DIR, "pg_restore"), "custom", file, { ...s.target, database: DATABASE }, jobs);
    const [, ms] = await timed(() =>
      runCommand({ ...cmd, env: { PGPASSWORD: s.target.password } }, { what: "pg_restore", timeoutMs: 2 * HOUR_MS }),
    );
    return ms;
  } finally {
    await s.stop();
  }
}

/** The runbook by hand, step after step. */
async function baseline(input: OursInput, dir: string) {
  const creds = S3RVER_CREDENTIALS;
  const [s, startMs] = await timed(() => server({}));
  try {
    const file = path.join(dir, "baseline.dump");
    const [, downloadMs] = await timed(() => downloadTo(input.loc, creds, input.backup, file, () => undefined));
    const cmd = pgRestoreCommand(path.join(BIN_DIR, "pg_restore"), "custom", file, { ...s.target, database: DATABASE }, 1);
    const [, restoreMs] = await timed(() =>
      runCommand({ ...cmd, env: { PGPASSWORD: s.target.password } }, { what: "pg_restore", timeoutMs: 2 * HOUR_MS }),
    );
    const at = `'${new Date(input.backup.lastModified).toISOString()}'`;
    const [, smokeMs] = await timed(async () => {
      for (const q of DEFAULT_SMOKE_QUERIES) {
        const psql = psqlCommand(path.join(BIN_DIR, "psql"), { ...s.target, database: DATABASE });
        await runCommand(
          { ...psql, args: [...psql.args, "-c", q.sql.replace(/\$1/g, at)], env: { PGPASSWORD: s.target.password } },
          { what: "psql", timeoutMs: 60000 },
        );
      }
    });
    fs.rmSync(file);
    return { startMs, downloadMs, restoreMs, smokeMs, totalMs: startMs + downloadMs + restoreMs + smokeMs };
  } finally {
    await s.stop();
  }
}

/** Runs `ours` in a child process and returns what it measured. */
function oursInChild(input: OursInput): Promise<OursResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ["--ours"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", (m) => resolve(m as OursResult));
    child.once("error", reject);
    child.once("exit", (code) => code === 0 || reject(new Error(`the restore-test child exited ${code}`)));
    child.send(input);
  });
}

/** In the child: the disposable server and the restore test, as the two providers run them. */
async function ours(input: OursInput): Promise<OursResult> {
  const started = Date.now();
  const password = "bench";
  const instanceId = `bench-ours-${process.pid}`;
  const cluster = await startLocalCluster({
    binDir: BIN_DIR,
    port: 0,
    instanceId,
    password,
    settings: DISPOSABLE_SERVER_SETTINGS,
    startTimeoutMs: 60000,
  });
  const startMs = Date.now() - started;
  try {
    const spec: RestoreSpec = {
      stack: "bench",
      backup: input.backup as RestoreSpec["backup"],
      s3: input.loc,
      credentials: S3RVER_CREDENTIALS,
      target: {
        engine: "local",
        instanceId,
        host: cluster.host,
        port: cluster.port,
        user: cluster.user,
        password,
        binDir: BIN_DIR,
        baseDir: cluster.baseDir,
      },
      database: DATABASE,
      jobs: 0,
      maxAgeHours: 26,
      timeoutMs: 2 * HOUR_MS,
      statementTimeoutMs: 60000,
      smoke: DEFAULT_SMOKE_QUERIES,
    };
    const report = await runRestoreTest(spec, silentLog);
    return {
      totalMs: Date.now() - started,
      startMs,
      timings: report.timings,
      status: report.status,
      error: report.error,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    await stopLocalCluster(cluster, BIN_DIR);
  }
}

async function main(): Promise<void> {
  const sales = Number(process.env.BENCH_SALES ?? 3000000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-bench-restore-"));
  fs.chmodSync(dir, 0o755);
  const source = await startPostgres();
  const s3 = await startS3({ buckets: ["backups"] });
  try {
    console.log(`seeding ${sales} sales, ${sales / 10} users, ${sales / 5} tickets …`);
    await seedDatabase(source, "shop", { users: sales / 10, sales, tickets: sales / 5 });
    const file = path.join(dir, "shop.dump");
    await dumpDatabase(source, "shop", "custom", file);
    const client = s3.client();
    await uploadNewestBackup(client, "backups", "spec-1/2026-11-27T02-00-00Z.dump", file, "matching");
    client.destroy();
    const loc: S3Location = { endpoint: s3.endpoint, region: "us-east-1", bucket: "backups", prefix: "spec-1/", timeoutMs: 60000 };
    const backup = await findLatestBackup(loc, S3RVER_CREDENTIALS, Date.now());
    const restoredBytes = await databaseSize(source.connection("shop"));
    console.log(
      `dump: ${backup.type}, ${formatBytes(backup.size)}; the database it restores: ${formatBytes(restoredBytes)}; ${JOBS} CPU(s)`,
    );

    // Download-only first: it also warms s3rver's file in the page cache for every contender alike.
    const [, downloadOnlyMs] = await timed(() =>
      downloadTo(loc, S3RVER_CREDENTIALS, backup, path.join(dir, "download-only"), () => undefined),
    );
    fs.rmSync(path.join(dir, "download-only"));
    const restoreAloneMs = await pgRestoreAlone(file, DISPOSABLE_SERVER_SETTINGS, JOBS);
    const base = await baseline({ loc, backup }, dir);
    const mine = await oursInChild({ loc, backup });
    if (mine.status !== "passed") throw new Error(`the restore test failed: ${mine.error}`);
    const floorMs = Math.max(downloadOnlyMs, restoreAloneMs);
    const t = mine.timings as Record<string, number>;

    console.log("");
    console.log(
      `baseline (runbook by hand): ${seconds(base.totalMs)}  [server ${seconds(base.startMs)}, download ${seconds(base.downloadMs)}, pg_restore -j1 ${seconds(base.restoreMs)}, psql smoke ${seconds(base.smokeMs)}]`,
    );
    console.log(
      `restore test (this stack):  ${seconds(mine.totalMs)}  [server ${seconds(mine.startMs)}, download+sha256 ${seconds(t.downloadSeconds * 1000)}, pg_restore -j${JOBS} ${seconds(t.restoreSeconds * 1000)}, smoke ${seconds(t.smokeSeconds * 1000)}]`,
    );
    console.log(
      `floor: max(download-only ${seconds(downloadOnlyMs)}, pg_restore -j${JOBS} alone ${seconds(restoreAloneMs)}) = ${seconds(floorMs)}`,
    );
    console.log("");
    console.log(
      `restore test / baseline: ${(mine.totalMs / base.totalMs).toFixed(2)}  (${(base.totalMs / mine.totalMs).toFixed(2)}× faster)`,
    );
    console.log(`restore test / floor:    ${(mine.totalMs / floorMs).toFixed(2)}`);
    console.log(`peak memory (RSS) of the restore-test process: ${formatBytes(mine.peakRssBytes)} for a ${formatBytes(backup.size)} dump`);
  } finally {
    await s3.stop();
    await source.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function databaseSize(endpoint: PgEndpoint): Promise<number> {
  return withPgClient(endpoint, { connectTimeoutMs: 10_000, queryTimeoutMs: 60_000 }, async (client) =>
    Number((await client.query("SELECT pg_database_size(current_database()) AS n")).rows[0].n),
  );
}

if (process.argv.includes("--ours")) {
  process.once("message", (input) =>
    ours(input as OursInput).then(
      (result) => process.send!(result, () => process.exit(0)),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    ),
  );
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
