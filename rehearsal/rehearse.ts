/**
 * `npm run rehearse` — the whole runbook, end to end, on one machine without Pulumi CLI, Docker or cloud:
 * a local SPEC-1 on free loopback ports, each stack's program run under Pulumi's mocks, and its dynamic
 * resources driven through Pulumi's own dynamic provider host in the order `pulumi up` runs them.
 *
 *   npm run rehearse                         every procedure, clean
 *   npm run rehearse -- --break no-qr        one injected fault: see the failure and what to do next
 *   npm run rehearse -- --only restore       some procedures (rollback, restore, drill)
 *   npm run rehearse -- --reports <dir>      where reports go (default ./reports/rehearsal-<timestamp>)
 *   npm run rehearse -- --diff               every provider message in full as it arrives, as `pulumi up --diff`
 *   npm run rehearse -- --scan-qr 3          the drill's device scans only the 3rd QR; the gateway rotates meanwhile
 *
 * Exit code 0 when every procedure passed, 1 when one failed, 2 on a usage error, 130 on Ctrl-C.
 * Everything it starts is stopped and its temp dir removed, whatever happens.
 */
import * as fs from "fs";
import * as path from "path";
import { startProviderHost } from "../harness/providerHost";
import { entryTimestamp } from "../lib/opsLog";
import type { GatewayFaults } from "../sim/standins/gateway";
import { BackupStore, startBackupStore, stopStrayClusters } from "./backupStore";
import { disposablePostgresFor, dockerAnswers, removeStrayContainers, RESTORE_ENGINES, RestoreEngine } from "./restoreEngine";
import { NEXT_STEPS, withNextSteps, withoutNextSteps } from "../notify/nextSteps";
import { FAULTS, Fault, parseFault, parseProcedures, Procedure, PROCEDURES, STALE_BACKUP_HOURS } from "./faults";
import { Lifecycle, withRehearsalEnv, withSignalCleanup } from "./lifecycle";
import { PulumiDisplay } from "./display";
import { startLocalSpec1 } from "./localSpec1";
import { indent, ProcedureFailure, ProcedureOutcome, ProcedureResult, RehearsalContext } from "./procedure";
import { rehearseDrill } from "./procedures/drill";
import { rehearseRestore } from "./procedures/restore";
import { rehearseRollback } from "./procedures/rollback";
import { QR_REFS } from "./procedures/drill";
import { ProgramRunner } from "./program";
import { productSettings, readRehearsalStacks, rollbackChange, stackRequests } from "./stackFiles";
import { summaryLines, writeSummary } from "./summary";

export interface RehearseOptions {
  readonly fault?: Fault;
  /** Procedures to run, in runbook order; default all. */
  readonly only?: readonly Procedure[];
  /** Default ./reports/rehearsal-<timestamp>. */
  readonly reportsDir?: string;
  /** The restore's disposable Postgres; default docker when a daemon answers, else local. */
  readonly engine?: RestoreEngine;
  /** As `pulumi up --diff`: every provider message in full as it arrives; default: Pulumi's progress display (rows, then Diagnostics). */
  readonly diff?: boolean;
  /** The drill: the stand-in device scans only this QR of an attempt, while the gateway rotates its QR. */
  readonly scanQr?: number;
  readonly log?: (line: string) => void;
}

export interface RehearsalResult {
  readonly ok: boolean;
  readonly procedures: ProcedureResult[];
  readonly reportsDir: string;
  /** Every file in the reports dir: each procedure's reports and the rehearsal's summary. */
  readonly reports: string[];
  /** Loopback ports and child pids the run used; none answers any more when this returns. */
  readonly ports: number[];
  readonly pids: number[];
}

const TITLES: Record<Procedure, string> = {
  rollback: "Rollback (runbook §3): image tag → preview --diff → up with post-deploy checks",
  restore: "Monthly restore test (runbook §2): latest backup → disposable Postgres → smoke SQL → report → destroy",
  drill: "Weekly QR re-login drill (runbook §1): pause → re-login each session → resume → test message",
};

export async function rehearse(opts: RehearseOptions = {}): Promise<RehearsalResult> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const procedures = PROCEDURES.filter((p) => (opts.only ?? PROCEDURES).includes(p));
  const reportsDir = path.resolve(opts.reportsDir ?? path.join("reports", `rehearsal-${entryTimestamp(new Date())}`));
  const lifecycle = new Lifecycle(log);
  const results: ProcedureResult[] = [];

  await withSignalCleanup(lifecycle, log, () =>
    withRehearsalEnv(lifecycle.tempDir, async () => {
      // Registered before the provider host starts, so it runs after the host has stopped.
      let containerPort: number | undefined;
      lifecycle.defer("a disposable Postgres an interrupted up left", async () => {
        await stopStrayClusters(lifecycle.tempDir);
        if (containerPort !== undefined) await removeStrayContainers(containerPort);
      });
      if (opts.fault) log(`Injected fault --break ${opts.fault}: ${FAULTS[opts.fault].injects}.`);
      const engine = opts.engine ?? ((await dockerAnswers()) ? "docker" : "local");
      const display = new PulumiDisplay(opts.diff ? "diff" : "progress");
      const prepared = await prepare(lifecycle, procedures, opts.fault, reportsDir, engine, display, (port) => (containerPort = port));
      const ctx: RehearsalContext = { ...prepared, scanQr: opts.scanQr };
      for (const procedure of procedures) {
        log(`\n== ${TITLES[procedure]}`);
        results.push(await runProcedure(ctx, procedure));
      }
      log("");
      for (const line of summaryLines(results, opts.fault)) log(line);
      writeSummary(reportsDir, results, opts.fault);
      log(
        `\nReports:\n${listReports(reportsDir)
          .map((r) => `  ${r}`)
          .join("\n")}`,
      );
    }),
  );
  log(`Stopped everything the rehearsal started (${lifecycle.ports.length} ports closed); temp dir removed.`);
  const ok = results.length === procedures.length && results.every((r) => r.ok);
  return { ok, procedures: results, reportsDir, reports: listReports(reportsDir), ports: lifecycle.ports, pids: lifecycle.pids };
}

/** Starts the local SPEC-1 and the provider host, and fills the stack files with the local endpoints. */
async function prepare(
  lifecycle: Lifecycle,
  procedures: readonly Procedure[],
  fault: Fault | undefined,
  reportsDir: string,
  engine: RestoreEngine,
  display: PulumiDisplay,
  onContainerPort: (port: number) => void,
): Promise<RehearsalContext> {
  const log = lifecycle.log;
  // Both load Pulumi (seconds): they start while the local SPEC-1 does.
  const program = new ProgramRunner(lifecycle);
  const programReady = program.start();
  const hostReady = lifecycle.start("dynamic provider host", () =>
    startProviderHost({ stack: "rehearsal", onLine: (l) => display.hostLine(l).forEach((shown) => log(shown)) }),
  );
  // Awaited below; if the local SPEC-1 fails first, their failure must not count as unhandled.
  for (const starting of [programReady, hostReady]) starting.catch(() => undefined);
  log("\n== Local SPEC-1");
  const stacks = readRehearsalStacks(procedures);
  const { app, restore } = stacks;
  const local = await startLocalSpec1(lifecycle, {
    gateway: app.rehearsal.gateway as Partial<GatewayFaults>,
    worker: app.rehearsal.worker as { jobMs?: number },
  });
  const values: Record<string, string | number> = { ...local.values, reportsDir };
  let backups: BackupStore | undefined;
  if (restore) {
    const { bucket, prefix } = restore.config.backup as { bucket: string; prefix: string };
    const server = await disposablePostgresFor(engine, restore.config.disposablePostgres, log);
    restore.config.disposablePostgres = server.config;
    if (server.config.engine === "docker") onContainerPort(server.config.port as number);
    log(`  the restore runs on the ${server.description}`);
    const olderBackups = Number(restore.rehearsal.olderBackups);
    const stoppedHoursAgo = fault === "stale-backup" ? STALE_BACKUP_HOURS : 0;
    backups = await startBackupStore(lifecycle, { bucket, prefix, olderBackups, truncated: fault === "truncated-dump", stoppedHoursAgo });
    Object.assign(values, backups.values);
  }
  const rollback = rollbackChange(app, fault);
  const requests = stackRequests(procedures, stacks, values, rollback);
  const spec1 = await local.serve(productSettings(requests.map((r) => r.stack)));

  const host = await hostReady;
  lifecycle.ports.push(host.port);
  log(`  started Pulumi's dynamic provider host on 127.0.0.1:${host.port}`);
  await programReady;
  return {
    lifecycle,
    log,
    display,
    host,
    spec1,
    fault,
    reportsDir,
    rollback,
    backups,
    program,
    requests: new Map(requests.map((r) => [r.label, r.stack])),
  };
}

const PROCEDURE_RUNS: Record<Procedure, (ctx: RehearsalContext) => Promise<ProcedureOutcome>> = {
  rollback: rehearseRollback,
  restore: (ctx) => rehearseRestore(ctx, ctx.backups!),
  drill: rehearseDrill,
};

async function runProcedure(ctx: RehearsalContext, procedure: Procedure): Promise<ProcedureResult> {
  const started = Date.now();
  try {
    const outcome = await PROCEDURE_RUNS[procedure](ctx);
    return { procedure, ok: true, ms: Date.now() - started, ...outcome };
  } catch (err) {
    const outcome = err instanceof ProcedureFailure ? err.outcome : { verification: [] };
    const next = NEXT_STEPS[procedure];
    // A provider's failure already ends with the next steps; a failure before any provider ran gets them here.
    ctx.log(`\n  ✗ ${procedure} FAILED:\n${indent(withNextSteps((err as Error).message, procedure), "    ")}`);
    // The summary lists `next` under the error: keep them out of the error itself.
    const error = withoutNextSteps((err as Error).message);
    return { procedure, ok: false, ms: Date.now() - started, error, next, ...outcome };
  }
}

function listReports(dir: string): string[] {
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}

const USAGE = `usage: npm run rehearse -- [--break <${Object.keys(FAULTS).join("|")}>] [--only rollback,restore,drill] [--engine docker|local] [--diff] [--scan-qr <n>] [--reports <dir>]`;

function parseArgs(argv: readonly string[]): RehearseOptions {
  const opts: { fault?: Fault; only?: Procedure[]; reportsDir?: string; engine?: RestoreEngine; diff?: boolean; scanQr?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    if (argv[i] === "--break") opts.fault = parseFault(value());
    else if (argv[i] === "--only") opts.only = parseProcedures(value());
    else if (argv[i] === "--reports") opts.reportsDir = value();
    else if (argv[i] === "--engine") opts.engine = parseEngine(value());
    else if (argv[i] === "--diff") opts.diff = true;
    else if (argv[i] === "--scan-qr") opts.scanQr = parseScanQr(value());
    else throw new Error(`unknown option ${argv[i]}; ${USAGE}`);
  }
  return opts;
}

/** The stand-in gateway stops at QR_REFS QRs (408), as Baileys does; a later QR could never be scanned. */
function parseScanQr(value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n >= 1 && n <= QR_REFS) return n;
  throw new Error(`--scan-qr ${value}: the QR the device scans, a whole number from 1 to ${QR_REFS}`);
}

function parseEngine(value: string): RestoreEngine {
  if ((RESTORE_ENGINES as readonly string[]).includes(value)) return value as RestoreEngine;
  throw new Error(`--engine ${value}: unknown engine; use ${RESTORE_ENGINES.join(" or ")}`);
}

if (require.main === module) {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    process.stdout.write(`${USAGE}\nSee docs/rehearsal.md.\n`);
    process.exit(0);
  }
  let opts: RehearseOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`rehearse: ${(err as Error).message}\n`);
    process.exit(2);
  }
  rehearse(opts).then(
    (result) => process.exit(result.ok ? 0 : 1),
    (err) => {
      process.stderr.write(`rehearse: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
