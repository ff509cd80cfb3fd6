/**
 * One restore test, step by step: confirm the target is the disposable server, check the backup's age,
 * take the dump prefetched while the server started or download it now (restore/fetch.ts), restore it with
 * pg_restore (parallel where the format allows) or psql, run the smoke SQL.
 * It never throws: every outcome is a report, so the caller can file it before failing the update.
 * The downloaded dump is removed whatever happens; the restored database is left for the DBA.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Readable } from "stream";
import * as zlib from "zlib";
import { untarCommand } from "./commands";
import { archiveVersionAt, checkArchiveReadable, Detection } from "./dumpType";
import { runCommand } from "../lib/exec";
import { Log, throttled } from "../lib/log";
import { redactDeep } from "../lib/redact";
import { entryTimestamp, OpsLogFiles, writeOpsLogEntry } from "../lib/opsLog";
import { renderReportMarkdown, RestoreReport } from "./report";
import { HOUR_MS } from "../lib/time";
import { checkFreshness } from "./selection";
import type { SmokeQuery } from "../config/restore";
import { runSmokeQueries, SmokeResult } from "./smoke";
import { dbaInstructions, TargetServer, verifyTarget } from "./target";
import { handOver, RestoreTools, toolsFor, toolUser } from "./restoreTools";
import { sweepDumpDirs, withDumpDir } from "./dumpDir";
import { claimPrefetch, Prefetched } from "./prefetch";
import { DUMP_FILE, fetchDump, FetchProgress, FetchSpec, PROGRESS_EVERY_MS, readHead } from "./fetch";
import {
  endSessions,
  explainPrivilegeFailure,
  grantSmokeReads,
  newRunRoles,
  prepareDatabase,
  restrictedPsqlInput,
  RoleLogin,
  RunRoles,
} from "./untrusted";
import { keptContainerProblem } from "./dockerServer";

/** A refused docker target says why its container cannot answer (stopped after a reboot: `docker start`). */
async function withContainerState(message: string, target: TargetServer): Promise<string> {
  if (target.engine !== "docker" || target.container === undefined) return message;
  const problem = await keptContainerProblem(target.container);
  return problem === null ? message : `${message}; ${problem}`;
}

export interface RestoreSpec extends FetchSpec {
  readonly stack: string;
  readonly target: TargetServer;
  readonly database: string;
  /** pg_restore --jobs; 0 = one per CPU. */
  readonly jobs: number;
  readonly maxAgeHours: number;
  readonly statementTimeoutMs: number;
  readonly smoke: readonly SmokeQuery[];
}

/** The phase a `pg_restore --verbose` line belongs to, or undefined. */
export function restorePhase(line: string): string | undefined {
  if (/processing data for table|restoring large object/.test(line)) return "loading data";
  if (/creating (INDEX|INDEX ATTACH)/.test(line)) return "building indexes";
  if (/creating (CONSTRAINT|FK CONSTRAINT|TRIGGER)/.test(line)) return "adding constraints";
  if (/creating (TABLE|SCHEMA|SEQUENCE|FUNCTION|TYPE|VIEW)/.test(line)) return "creating schema";
  return undefined;
}

interface Progress extends FetchProgress {
  restoreSeconds?: number;
  smokeSeconds?: number;
  rtoSeconds?: number;
  smoke: SmokeResult[];
  /** The restore's database was (re)created by this run: the DBA finds what it restored there. */
  databaseCreated?: boolean;
}

export async function runRestoreTest(spec: RestoreSpec, log: Log, now: () => number = Date.now): Promise<RestoreReport> {
  // The dump this provider host downloaded while the server started, if any: the restore began then.
  const prefetched = claimPrefetch(spec, log);
  const startedAt = prefetched?.startedAt ?? now();
  const progress: Progress = { type: spec.backup.type, checksum: "not checked", smoke: [], ...prefetched?.progress };
  const roles = newRunRoles();
  let error: string | undefined;
  try {
    await verifyTarget(spec.target).catch(async (err: Error) => {
      throw new Error(await withContainerState(err.message, spec.target));
    });
    checkFreshness(spec.backup, startedAt, spec.maxAgeHours);
    sweepDumpDirs(log);
    await withDumpDir(
      (dir, signal) => downloadAndRestore(spec, roles, dir, signal, progress, log, prefetched),
      () => endLeftSessions(spec.target, [roles.restore, roles.smoke], "the interrupted restore", log),
      log,
      prefetched?.dir,
    );
    const smokeStart = now();
    log.info(`smoke SQL: ${spec.smoke.map((q) => q.name).join(", ")} (read-only, as ${roles.smoke.user})`);
    await grantSmokeReads(spec.target, spec.database, roles, spec.timeoutMs);
    try {
      progress.smoke = await runSmokeQueries(
        { ...spec.target, ...roles.smoke, database: spec.database },
        spec.target.instanceId,
        spec.smoke,
        new Date(spec.backup.lastModified),
        spec.statementTimeoutMs,
      );
    } finally {
      await endLeftSessions(spec.target, [roles.smoke], "the smoke SQL", log);
    }
    const answered = now();
    progress.smokeSeconds = (answered - smokeStart) / 1000;
    // RTO: from the start of the restore to a database answering the smoke SQL, whatever came between.
    progress.rtoSeconds = (answered - startedAt) / 1000;
    const failed = progress.smoke.filter((s) => !s.ok);
    if (failed.length > 0) error = failed.map((s) => `smoke query ${s.name}: ${s.problem}`).join("; ");
  } catch (err) {
    // Never let a thrown value without a message pass for success.
    error = (err as Error)?.message || String(err) || "unknown error";
  } finally {
    // A refused target never reaches withDumpDir: the prefetched dump goes here.
    prefetched?.release();
  }
  const t = progress;
  return {
    stack: spec.stack,
    status: error === undefined ? "passed" : "failed",
    ...(error === undefined ? {} : { error, dba: dbaInstructions(spec.target, spec.database, t.databaseCreated === true) }),
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(now()).toISOString(),
    backup: {
      url: spec.backup.url,
      size: spec.backup.size,
      lastModified: new Date(spec.backup.lastModified).toISOString(),
      ageHours: (startedAt - spec.backup.lastModified) / HOUR_MS,
      type: t.type,
      archiveVersion: t.archiveVersion,
      checksum: t.checksum,
    },
    server: {
      engine: spec.target.engine,
      host: spec.target.host,
      port: spec.target.port,
      database: spec.database,
      instanceId: spec.target.instanceId,
    },
    timings: {
      downloadSeconds: t.downloadSeconds,
      restoreSeconds: t.restoreSeconds,
      smokeSeconds: t.smokeSeconds,
      rtoSeconds: t.rtoSeconds,
    },
    smoke: t.smoke,
  };
}

/** Ends what a tool or query of these roles left running on the server, and says so. */
async function endLeftSessions(target: TargetServer, logins: readonly RoleLogin[], what: string, log: Log): Promise<void> {
  const ended = await endSessions(target, logins).catch((err: Error) => {
    log.warn(`could not check for sessions ${what} left running: ${err.message}`);
    return 0;
  });
  if (ended > 0) log.warn(`ended ${ended} database session(s) ${what} left running`);
}

async function downloadAndRestore(
  spec: RestoreSpec,
  roles: RunRoles,
  dir: string,
  signal: AbortSignal,
  progress: Progress,
  log: Log,
  prefetched: Prefetched | undefined,
): Promise<void> {
  // A prefetched dump is in `dir` already, verified, its type read into `progress`; or its download failed.
  if (prefetched?.error !== undefined) throw new Error(prefetched.error);
  if (prefetched === undefined) await fetchDump(spec, dir, progress, log);
  const file = path.join(dir, DUMP_FILE);
  const detection: Detection = { type: progress.type!, archiveVersion: progress.archiveVersion };
  // The tools' OS user (nobody, when we are root) reads the dump, and unpacks a directory dump, in this dir.
  handOver(dir, toolUser());
  const tools = toolsFor(spec.target, spec.database, roles.restore, spec.timeoutMs, signal);
  const started = Date.now();
  try {
    await restore(spec, roles, tools, detection, file, dir, signal, progress, log);
  } catch (err) {
    throw new Error(explainPrivilegeFailure((err as Error).message));
  } finally {
    await tools.cleanup().catch((err) => log.info(`cleanup: ${(err as Error).message}`));
    await endLeftSessions(spec.target, [roles.restore], "the restore", log);
  }
  progress.restoreSeconds = (Date.now() - started) / 1000;
  log.info(`restore done in ${progress.restoreSeconds.toFixed(1)} s`);
}

async function restore(
  spec: RestoreSpec,
  roles: RunRoles,
  tools: RestoreTools,
  detection: Detection,
  file: string,
  dir: string,
  signal: AbortSignal,
  progress: Progress,
  log: Log,
): Promise<void> {
  const { type } = detection;
  let source = file;
  if (type === "directory") {
    source = path.join(dir, "directory");
    fs.mkdirSync(source, { mode: 0o700 });
    handOver(source, toolUser());
    await runCommand(untarCommand(file, source), {
      what: "unpacking the directory dump",
      timeoutMs: spec.timeoutMs,
      signal,
      ...toolUser(),
    });
    fs.rmSync(file);
    progress.archiveVersion = readTocVersion(source, spec.backup.url);
  }
  if (type === "custom" || type === "tar" || type === "directory") {
    checkArchiveReadable(progress.archiveVersion, await tools.pgRestoreVersion());
  }
  await prepareDatabase(spec.target, spec.database, roles, spec.timeoutMs);
  progress.databaseCreated = true;
  const jobs = spec.jobs === 0 ? os.cpus().length : spec.jobs;
  if (type === "gzip-plain" || type === "plain") {
    log.info(
      `restoring: ${type === "gzip-plain" ? "gunzip | " : ""}psql (meta-commands restricted) into ${spec.database} as ${roles.restore.user}`,
    );
    const dump = type === "gzip-plain" ? gunzipped(file) : fs.createReadStream(file);
    return tools.psql(restrictedPsqlInput(dump, spec.target.instanceId));
  }
  const staged = await tools.stage(source);
  log.info(`restoring: pg_restore (${type}, ${type === "tar" ? 1 : jobs} job(s)) into ${spec.database}`);
  const report = throttled((m) => log.info(m), PROGRESS_EVERY_MS);
  let phase: string | undefined;
  await tools.pgRestore(type, staged, jobs, (line) => {
    const next = restorePhase(line);
    if (next !== undefined && next !== phase) ((phase = next), report(`restore phase: ${next}`, true));
    else report(`restore: ${line}`);
  });
}

function readTocVersion(dir: string, url: string): string {
  const toc = path.join(dir, "toc.dat");
  if (!fs.existsSync(toc)) throw new Error(`${url} is a tar archive but neither a pg_dump tar nor a directory dump (no toc.dat inside)`);
  const version = archiveVersionAt(readHead(toc, 16), 0);
  if (version === undefined) throw new Error(`${url}: toc.dat is not a pg_dump table of contents`);
  return version;
}

function gunzipped(file: string): Readable {
  const gunzip = zlib.createGunzip();
  return fs
    .createReadStream(file)
    .on("error", (err) => gunzip.destroy(err))
    .pipe(gunzip);
}

export interface RestoreRunInputs extends RestoreSpec {
  /** Absolute dir of the ops log (Markdown + JSON per run). */
  readonly reportDir: string;
}

/** What the restore resource keeps of a passed test (the full report is in the ops log). */
export interface RestoreSummary {
  readonly status: RestoreReport["status"];
  readonly backup: RestoreReport["backup"];
  readonly timings: RestoreReport["timings"];
  /** Each smoke query's psql-style output. */
  readonly smoke: Record<string, string>;
  readonly reportFiles: OpsLogFiles;
}

/**
 * Runs the test and files its report in the ops log; a failed test throws after the report is
 * written, with the DBA's way into the kept database in the message.
 */
export async function runAndFileRestoreTest(inputs: RestoreRunInputs, log: Log): Promise<{ name: string; summary: RestoreSummary }> {
  // The report goes to disk and to the ops log: whatever a peer echoed into an error (an object store repeating the
  // request's credentials, a server its password) is redacted before it is written, not only in the thrown message.
  const report = redactDeep(await runRestoreTest(inputs, log), [inputs.credentials, inputs.target.password]);
  const name = `restore-${entryTimestamp(new Date(report.startedAt))}`;
  const reportFiles = writeOpsLogEntry(inputs.reportDir, name, renderReportMarkdown(report), report);
  if (report.status === "failed") {
    throw new Error(`restore test failed: ${report.error}\n${report.dba}\nReport: ${reportFiles.markdownPath}`);
  }
  const smoke = Object.fromEntries(report.smoke.map((s) => [s.name, s.output]));
  return { name, summary: { status: report.status, backup: report.backup, timings: report.timings, smoke, reportFiles } };
}

/** What makes it a different test (a new backup, server, database, jobs or smoke SQL), and no secret. */
export function restoreIdentity(spec: RestoreSpec) {
  return {
    backup: { key: spec.backup.key, etag: spec.backup.etag, lastModified: spec.backup.lastModified },
    instanceId: spec.target.instanceId,
    database: spec.database,
    jobs: spec.jobs,
    smoke: spec.smoke,
  };
}
