/**
 * The restore test as the user waits for it, against what the same work costs by hand and at best. Per dump
 * size (a seeded database dumped custom-format, served by s3rver), each contender `--reps` times, interleaved:
 *   up/local, up/docker — `pulumi up` of the restore stack as a user runs it: a fresh process (Node, tsx,
 *              @pulumi/pulumi), the program (the S3 lookup), Pulumi's dynamic provider host (started beside the
 *              program, as the engine starts its plugin), the disposable server (local cluster, or the
 *              spec1-sim/postgres:17 container) and beside it the streamed + hashed download,
 *              pg_restore --jobs <cpus>, the smoke SQL and the report; timed from spawn to the up's end.
 *   by hand   — the runbook typed by a person: a default-config server, the lookup and download to a file,
 *              `pg_restore` (one job), the three smoke queries with psql.
 *   floor     — the same work with nothing wasted, each part measured in its run: max(server start,
 *              lookup + download) + pg_restore --jobs <cpus> of the local file into the running
 *              disposable-settings server + the smoke SQL. Download and pg_restore cannot overlap:
 *              pg_restore -j needs a seekable file ("parallel restore from standard input is not supported").
 *   bare      — pg_restore --jobs <cpus> alone (the floor's restore part).
 *   baseline  — with `--baseline <dir>`: up/local of another checkout (e.g. a worktree of the commit before a
 *              change, with this bench/restore.ts and harness/providerHost.ts copied in), interleaved with the rest.
 * Peak RSS: the provider host's VmHWM (read from /proc before it stops) and pg_restore's (every pg_restore
 * process polled in /proc every 50 ms; inside the container too, as the host sees it).
 *
 *   npm run bench:restore -- [--sales 300000,3000000] [--reps 3] [--baseline <dir>]
 */
import { fork } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startPostgres } from "../sim/services/postgres";
import { S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { DISPOSABLE_SERVER_SETTINGS, pgRestoreCommand, psqlCommand } from "../restore/commands";
import { runCommand } from "../lib/exec";
import { freePort } from "../lib/net";
import { runnerBinDir } from "../lib/postgres";
import { HOUR_MS } from "../lib/time";
import { startLocalCluster, stopLocalCluster } from "../restore/localEngine";
import { findLatestBackup, formatBytes } from "../restore/lookup";
import { downloadTo, S3Location } from "../restore/s3";
import { DEFAULT_SMOKE_QUERIES } from "../config/restore";
import { readStackConfig } from "../config/stackFile";
import { dumpDatabase, seedDatabase, uploadNewestBackup } from "../sim/fixtures/backups";
import { ensurePostgresImage } from "../sim/images/postgres/image";
import { interleaved, median, minMedian } from "./stats";

const BIN_DIR = runnerBinDir();
const DATABASE = "restore_test";
const JOBS = os.cpus().length;
const BUCKET = "backups";
const PREFIX = "spec-1/";
const CONTENDERS = ["up/local", "up/docker", "by hand", "floor", "baseline"] as const;
type Contender = (typeof CONTENDERS)[number];
const BASELINE = arg("baseline");

interface Sample {
  readonly ms: number;
  /** Named parts of `ms` (or, for the floor, the parts it is computed from). */
  readonly parts: Record<string, number>;
  readonly rtoSeconds?: number;
  readonly hostPeakRss?: number;
  readonly pgRestorePeakRss: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  return [await fn(), Date.now() - start];
}

/** Peak RSS (VmHWM, bytes) of a process, or 0 once it is gone. */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Polls every pg_restore process on the machine until stopped; returns the highest peak RSS seen. */
function watchPgRestore(): () => number {
  let peak = 0;
  const timer = setInterval(() => {
    for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        if (fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "pg_restore") peak = Math.max(peak, peakRss(Number(pid)));
      } catch {
        // gone between the listing and the read
      }
    }
  }, 50);
  return () => (clearInterval(timer), peak);
}

// --- the whole up, in a fresh process ----------------------------------------------------------------

interface UpRequest {
  readonly engine: "local" | "docker";
  readonly endpoint: string;
  readonly reportsDir: string;
  readonly image: string;
}

/** In the child: `pulumi up` of the restore stack through the provider host, then (untimed) its destroy. */
async function upChild(req: UpRequest): Promise<void> {
  const { startProviderHost, whenStarted } = require("../harness/providerHost");
  // As the engine starts its plugin while the program loads and runs: the first resource waits for it.
  const host = whenStarted(startProviderHost());
  const pulumi = require("@pulumi/pulumi");
  const { upInProcess, destroy } = require("../harness/engine");
  const base = readStackConfig("restore");
  const disposablePostgres =
    req.engine === "docker" ? { engine: "docker", port: await freePort(), image: req.image } : { engine: "local", binDir: BIN_DIR };
  const config = {
    ...base,
    backup: { ...base.backup, endpoint: req.endpoint, bucket: BUCKET, prefix: PREFIX, timeoutMs: 60000 },
    disposablePostgres,
    restore: { ...base.restore, reportsDir: req.reportsDir, jobs: 0, timeoutMs: 2 * HOUR_MS },
  };
  const secrets = { s3AccessKeyId: S3RVER_CREDENTIALS.accessKeyId, s3SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey };
  try {
    const up = await upInProcess(pulumi, async () => require("../index"), { stack: "restore", config, secrets }, host);
    const restore = up.steps.find((step: { name: string }) => step.name === "spec1-restore-restore");
    if (restore?.status !== "done") throw new Error(`the restore did not pass: ${JSON.stringify(restore)}`);
    const hostPeakRss = peakRss(host.pid);
    process.send!({ done: true, report: restore.outs.report, hostPeakRss });
    await destroy(host, up.state);
  } finally {
    await host.stop();
  }
}

/** `pulumi up` in a fresh process, of this checkout or of `root` (the baseline's). */
function upInChild(req: UpRequest, root = path.resolve(__dirname, "..")): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const stopWatch = watchPgRestore();
    const started = Date.now();
    let sample: Sample | undefined;
    const child = fork(path.join(root, "bench", "restore.ts"), ["--up", JSON.stringify(req)], {
      cwd: root,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    child.once("message", (m: any) => {
      const ms = Date.now() - started;
      const t = m.report.timings;
      sample = {
        ms,
        parts: { download: t.downloadSeconds * 1000, restore: t.restoreSeconds * 1000, smoke: t.smokeSeconds * 1000 },
        rtoSeconds: t.rtoSeconds,
        hostPeakRss: m.hostPeakRss,
        pgRestorePeakRss: stopWatch(),
      };
    });
    child.once("exit", (code) => {
      stopWatch();
      if (sample && code === 0) resolve(sample);
      else reject(new Error(`up/${req.engine}: the child exited ${code}${sample ? " after its up" : " without a result"}`));
    });
  });
}

// --- by hand, and the floor's parts -------------------------------------------------------------------

async function localServer(settings: Record<string, string>) {
  const password = "bench";
  const instanceId = `bench-${process.pid}-${Date.now()}`;
  const cluster = await startLocalCluster({ binDir: BIN_DIR, port: 0, instanceId, password, settings, startTimeoutMs: 60000 });
  const target = { host: cluster.host, port: cluster.port, user: cluster.user };
  const psql = (database: string, sql: string) => {
    const cmd = psqlCommand(path.join(BIN_DIR, "psql"), { ...target, database });
    return runCommand({ ...cmd, args: [...cmd.args, "-c", sql], env: { PGPASSWORD: password } }, { what: "psql", timeoutMs: 600000 });
  };
  const pgRestore = (file: string, jobs: number) => {
    const cmd = pgRestoreCommand(path.join(BIN_DIR, "pg_restore"), "custom", file, { ...target, database: DATABASE }, jobs);
    return runCommand({ ...cmd, env: { PGPASSWORD: password } }, { what: "pg_restore", timeoutMs: 2 * HOUR_MS });
  };
  return { psql, pgRestore, stop: () => stopLocalCluster(cluster, BIN_DIR) };
}

type Server = Awaited<ReturnType<typeof localServer>>;

async function lookupAndDownload(loc: S3Location, file: string): Promise<void> {
  const backup = await findLatestBackup(loc, S3RVER_CREDENTIALS, Date.now());
  await downloadTo(loc, S3RVER_CREDENTIALS, backup, file, () => undefined, 2 * HOUR_MS);
}

async function smokeWithPsql(server: Server, backupTime: string): Promise<void> {
  for (const q of DEFAULT_SMOKE_QUERIES) await server.psql(DATABASE, q.sql.replace(/\$1/g, `'${backupTime}'`));
}

/** The runbook typed by hand, step after step. */
async function byHand(loc: S3Location, dir: string, backupTime: string): Promise<Sample> {
  const file = path.join(dir, "by-hand.dump");
  const stopWatch = watchPgRestore();
  const started = Date.now();
  const [server, start] = await timed(() => localServer({}));
  try {
    const [, download] = await timed(() => lookupAndDownload(loc, file));
    await server.psql("postgres", `CREATE DATABASE ${DATABASE}`);
    const [, restore] = await timed(() => server.pgRestore(file, 1));
    const [, smoke] = await timed(() => smokeWithPsql(server, backupTime));
    return { ms: Date.now() - started, parts: { start, download, restore, smoke }, pgRestorePeakRss: stopWatch() };
  } finally {
    stopWatch();
    fs.rmSync(file, { force: true });
    await server.stop();
  }
}

/** Each part of the floor, measured: server start, lookup + download, pg_restore -jN alone, smoke. */
async function floorParts(loc: S3Location, dir: string, dump: string, backupTime: string): Promise<Sample> {
  const file = path.join(dir, "floor.dump");
  const [, download] = await timed(() => lookupAndDownload(loc, file));
  fs.rmSync(file);
  const [server, start] = await timed(() => localServer({ ...DISPOSABLE_SERVER_SETTINGS }));
  const stopWatch = watchPgRestore();
  try {
    await server.psql("postgres", `CREATE DATABASE ${DATABASE}`);
    const [, restore] = await timed(() => server.pgRestore(dump, JOBS));
    const [, smoke] = await timed(() => smokeWithPsql(server, backupTime));
    const ms = Math.max(start, download) + restore + smoke;
    return { ms, parts: { start, download, restore, smoke }, pgRestorePeakRss: stopWatch() };
  } finally {
    stopWatch();
    await server.stop();
  }
}

// --- main ------------------------------------------------------------------------------------------------

async function oneSize(sales: number, reps: number, image: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-bench-restore-"));
  fs.chmodSync(dir, 0o755);
  const source = await startPostgres();
  const s3 = await startS3({ buckets: [BUCKET] });
  try {
    await seedDatabase(source, "shop", { users: Math.max(10, sales / 10), sales, tickets: Math.max(10, sales / 5) });
    const dump = path.join(dir, "shop.dump");
    await dumpDatabase(source, "shop", "custom", dump);
    const client = s3.client();
    await uploadNewestBackup(client, BUCKET, `${PREFIX}2026-11-27T02-00-00Z.dump`, dump, "matching");
    client.destroy();
    const loc: S3Location = { endpoint: s3.endpoint, region: "us-east-1", bucket: BUCKET, prefix: PREFIX, timeoutMs: 60000 };
    const backup = await findLatestBackup(loc, S3RVER_CREDENTIALS, Date.now());
    const backupTime = new Date(backup.lastModified).toISOString();
    const reportsDir = path.join(dir, "reports");
    console.log(`\n## ${sales} sales: custom dump of ${formatBytes(backup.size)}, ${JOBS} CPU(s), ${reps} interleaved runs each`);
    const contenders = CONTENDERS.filter((c) => c !== "baseline" || BASELINE !== undefined);
    const samples = await interleaved<Sample>(contenders, reps, async (c) => {
      const contender = c as Contender;
      if (contender === "by hand") return byHand(loc, dir, backupTime);
      if (contender === "floor") return floorParts(loc, dir, dump, backupTime);
      if (contender === "baseline")
        return upInChild({ engine: "local", endpoint: s3.endpoint, reportsDir, image }, path.resolve(BASELINE!));
      return upInChild({ engine: contender === "up/docker" ? "docker" : "local", endpoint: s3.endpoint, reportsDir, image });
    });
    report(samples, backup.size);
  } finally {
    await s3.stop();
    await source.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report(samples: Map<string, Sample[]>, dumpBytes: number): void {
  const med = (c: Contender) => median(samples.get(c)!.map((x) => x.ms));
  const bare = median(samples.get("floor")!.map((x) => x.parts.restore));
  console.log("contender   wall time (min / median)   parts (medians)                                       peak RSS (host / pg_restore)");
  for (const c of CONTENDERS.filter((c) => samples.has(c))) {
    const xs = samples.get(c)!;
    const parts = Object.keys(xs[0].parts)
      .map((k) => `${k} ${s(median(xs.map((x) => x.parts[k])))}`)
      .join(", ");
    const host = xs[0].hostPeakRss === undefined ? "—" : formatBytes(Math.max(...xs.map((x) => x.hostPeakRss!)));
    const pg = formatBytes(Math.max(...xs.map((x) => x.pgRestorePeakRss)));
    const rto = xs[0].rtoSeconds === undefined ? "" : `, RTO ${s(median(xs.map((x) => x.rtoSeconds! * 1000)))}`;
    console.log(
      `${c.padEnd(11)} ${minMedian(
        xs.map((x) => x.ms),
        s,
      ).padEnd(26)} ${(parts + rto).padEnd(53)} ${host} / ${pg}`,
    );
  }
  console.log(`bare pg_restore -j${JOBS} (the floor's restore part): ${s(bare)}; dump ${formatBytes(dumpBytes)}`);
  for (const up of ["up/local", "up/docker"] as const) {
    const m = med(up);
    console.log(
      `${up}: ${(m / med("by hand")).toFixed(2)}× by hand, ${(m / med("floor")).toFixed(2)}× the floor, ${(m / bare).toFixed(2)}× bare pg_restore (medians)`,
    );
  }
  console.log(`up/docker / up/local: ${(med("up/docker") / med("up/local")).toFixed(2)}`);
  if (samples.has("baseline")) console.log(`up/local / baseline (${BASELINE}): ${(med("up/local") / med("baseline")).toFixed(2)}`);
  const against = { "by hand": med("by hand"), floor: med("floor"), bare };
  for (const t of TARGETS.filter((t) => Math.abs(dumpBytes - t.nearBytes) <= t.nearBytes / 4)) {
    for (const up of ["up/local", "up/docker"] as const) {
      const ratio = med(up) / against[t.against];
      const verdict = ratio <= t.max ? "met" : "NOT met";
      console.log(`target at ~${formatBytes(t.nearBytes)}: ${up} ≤ ${t.max}× ${t.against}: ${ratio.toFixed(2)}× — ${verdict}`);
    }
  }
}

/** Issue 15's targets for the whole up, each judged on a dump within 25% of its size. */
const MIB = 1024 * 1024;
const TARGETS = [
  { nearBytes: 160 * MIB, against: "by hand", max: 0.85 },
  { nearBytes: 160 * MIB, against: "floor", max: 1.1 },
  { nearBytes: 20 * MIB, against: "bare", max: 1.3 },
] as const;

async function main(): Promise<void> {
  const sizes = (arg("sales") ?? "300000,3000000").split(",").map(Number);
  const reps = Number(arg("reps") ?? 3);
  const image = (await ensurePostgresImage(17)).tag;
  console.log("Restore test: the whole `pulumi up` vs the runbook by hand, the floor and bare pg_restore (see bench/restore.ts)");
  for (const sales of sizes) await oneSize(sales, reps, image);
}

if (process.argv[2] === "--up") {
  upChild(JSON.parse(process.argv[3]) as UpRequest).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench: ${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
