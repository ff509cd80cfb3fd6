/**
 * `npm run rehearse` — the whole runbook, end to end, on one machine without Pulumi CLI, Docker or cloud:
 * a local SPEC-1 on free loopback ports, each stack's program run under Pulumi's mocks, and its dynamic
 * resources driven through Pulumi's own dynamic provider host in the order `pulumi up` runs them.
 *
 *   npm run rehearse                         every procedure, clean
 *   npm run rehearse -- --break no-qr        one injected fault: see the failure and what to do next
 *   npm run rehearse -- --only restore       some procedures (rollback, restore, drill)
 *   npm run rehearse -- --reports <dir>      where reports go (default ./reports/rehearsal-<timestamp>)
 *
 * Exit code 0 when every procedure passed, 1 when one failed, 2 on a usage error, 130 on Ctrl-C.
 * Everything it starts is stopped and its temp dir removed, whatever happens.
 */
import * as fs from "fs";
import * as path from "path";
import { startProviderHost } from "../local/providerHost";
import { entryTimestamp } from "../lib/opsLog";
import { ProgramRunner } from "./program";
import { FAULTS, Fault, FaultSpec, NEXT_STEPS, parseFault, parseProcedures, Procedure, PROCEDURES, STALE_LIMIT_HOURS } from "./faults";
import { Lifecycle, withSignalCleanup } from "./lifecycle";
import { parseChecksConfig } from "../config/checks";
import { parseDrillConfig } from "../config/drill";
import type { Props } from "../local/program";
import type { GatewayFaults } from "../local/standins/gateway";
import { ProductSettings, startLocalSpec1 } from "./localSpec1";
import { BackupStore, startBackupStore, stopStrayClusters } from "./backupStore";
import { indent, ProcedureFailure, ProcedureOutcome, RehearsalContext, RollbackChange } from "./procedure";
import { rehearseDrill } from "./procedures/drill";
import { rehearseRestore } from "./procedures/restore";
import { rehearseRollback } from "./procedures/rollback";
import { fillStack, readRehearsalStack, RehearsalStack } from "./stackFiles";
import { summaryLines, writeSummary } from "./summary";

export interface RehearseOptions {
  readonly fault?: Fault;
  /** Procedures to run, in runbook order; default all. */
  readonly only?: readonly Procedure[];
  /** Default ./reports/rehearsal-<timestamp>. */
  readonly reportsDir?: string;
  readonly log?: (line: string) => void;
}

export interface ProcedureResult extends ProcedureOutcome {
  readonly procedure: Procedure;
  readonly ok: boolean;
  readonly ms: number;
  /** The provider's message when it failed. */
  readonly error?: string;
  /** What to do next, from the runbook, when it failed. */
  readonly next?: readonly string[];
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
      lifecycle.defer("a disposable Postgres an interrupted up left", () => stopStrayClusters(lifecycle.tempDir));
      if (opts.fault) log(`Injected fault --break ${opts.fault}: ${FAULTS[opts.fault].injects}.`);
      const ctx = await prepare(lifecycle, procedures, opts.fault, reportsDir);
      for (const procedure of procedures) {
        log(`\n== ${TITLES[procedure]}`);
        results.push(await runProcedure(ctx, procedure));
      }
      log("");
      for (const line of summaryLines(results, opts.fault)) log(line);
      writeSummary(reportsDir, results, opts.fault);
      log(`\nReports:\n${listReports(reportsDir).map((r) => `  ${r}`).join("\n")}`);
    }),
  );
  log(`Stopped everything the rehearsal started (${lifecycle.ports.length} ports closed); temp dir removed.`);
  const ok = results.length === procedures.length && results.every((r) => r.ok);
  return { ok, procedures: results, reportsDir, reports: listReports(reportsDir), ports: lifecycle.ports, pids: lifecycle.pids };
}

/** Starts the local SPEC-1 and the provider host, and fills the stack files with the local endpoints. */
async function prepare(lifecycle: Lifecycle, procedures: readonly Procedure[], fault: Fault | undefined, reportsDir: string): Promise<RehearsalContext> {
  const log = lifecycle.log;
  // Both load Pulumi (seconds): they start while the local SPEC-1 does.
  const program = new ProgramRunner(lifecycle);
  const programReady = program.start();
  const hostReady = lifecycle.start("dynamic provider host", () => startProviderHost({ stack: "rehearsal", onLine: (l) => log(`      │ ${l}`) }));
  // Awaited below; if the local SPEC-1 fails first, their failure must not count as unhandled.
  for (const starting of [programReady, hostReady]) starting.catch(() => undefined);
  log("\n== Local SPEC-1");
  const app = readRehearsalStack("rehearsal-app");
  const local = await startLocalSpec1(lifecycle, { gateway: app.rehearsal.gateway as Partial<GatewayFaults>, worker: app.rehearsal.worker as { jobMs?: number } });
  const values: Record<string, string | number> = { ...local.values, reportsDir };
  let backups: BackupStore | undefined;
  if (procedures.includes("restore")) {
    const restore = readRehearsalStack("rehearsal-restore");
    const { bucket, prefix } = restore.config.backup as { bucket: string; prefix: string };
    backups = await startBackupStore(lifecycle, { bucket, prefix, olderBackups: Number(restore.rehearsal.olderBackups), truncated: fault === "truncated-dump" });
    Object.assign(values, backups.values);
  }
  const rollback = rollbackChange(app, fault);
  const requests = stackRequests(procedures, values, rollback, fault);
  const spec1 = await local.serve(productSettings(requests.map((r) => r.stack)));

  const host = await hostReady;
  lifecycle.ports.push(host.port);
  log(`  started Pulumi's dynamic provider host on 127.0.0.1:${host.port}`);
  await programReady;
  return { lifecycle, log, host, spec1, fault, reportsDir, rollback, backups, program, requests: new Map(requests.map((r) => [r.label, r.stack])) };
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
    ctx.log(`\n  ✗ ${procedure} FAILED:\n${indent((err as Error).message, "    ")}\n  What to do next:\n${next.map((n) => `    - ${n}`).join("\n")}`);
    return { procedure, ok: false, ms: Date.now() - started, error: (err as Error).message, next, ...outcome };
  }
}

function listReports(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort().map((f) => path.join(dir, f)) : [];
}

/** The one tag the rollback changes: the stack file's, or the service a rollback fault lives in. */
function rollbackChange(app: RehearsalStack, fault: Fault | undefined): RollbackChange {
  const planned = app.rehearsal.rollback as { service: string; to: string };
  const spec: FaultSpec | undefined = fault ? FAULTS[fault] : undefined;
  const service = spec?.service ?? planned.service;
  return { service, from: String((app.config.imageTags as Record<string, string>)[service]), to: planned.to };
}

/** The sessions and queues the stacks' own config names, read with the program's own parsers. */
function productSettings(stacks: readonly { config: Props }[]): ProductSettings {
  const sessions = new Set<string>();
  const queues = new Set<string>();
  for (const { config } of stacks) {
    if (config.checks !== undefined) {
      const checks = parseChecksConfig(config.checks);
      sessions.add(checks.qr.sessionId);
      checks.queues.names.forEach((q) => queues.add(q));
    }
    if (config.drill !== undefined) {
      const drill = parseDrillConfig(config.drill, new Date());
      drill.sessions?.forEach((s) => sessions.add(s));
      drill.queues.forEach((q) => queues.add(q));
    }
  }
  return { sessions: [...sessions], queues: [...queues] };
}

function stackRequests(procedures: readonly Procedure[], values: Record<string, string | number>, rollback: RollbackChange, fault: Fault | undefined) {
  const filled = (stack: string) => fillStack(readRehearsalStack(stack), values);
  const request = (label: string, s: RehearsalStack, config = s.config) => ({ label, stack: { stack: s.stack, config, secrets: s.secrets } });
  const requests = [];
  if (procedures.includes("rollback")) {
    const app = filled("rehearsal-app");
    const imageTags = { ...(app.config.imageTags as object), [rollback.service]: rollback.to };
    requests.push(request("app", app), request("app-rollback", app, { ...app.config, imageTags }));
  }
  if (procedures.includes("restore")) {
    const restore = filled("rehearsal-restore");
    const backup = { ...(restore.config.backup as object), ...(fault === "stale-backup" ? { maxAgeHours: STALE_LIMIT_HOURS } : {}) };
    requests.push(request("restore", restore, { ...restore.config, backup }));
  }
  if (procedures.includes("drill")) requests.push(request("drill", filled("rehearsal-drill")));
  return requests;
}

/**
 * While the rehearsal runs, in its own process and every child: anything created under os.tmpdir() — by
 * the stand-ins, the provider host and the providers it runs — lands in the rehearsal's private temp dir,
 * so removing it leaves nothing; and the AWS SDK's notice about future Node versions stays out of the output.
 */
async function withRehearsalEnv<T>(tempDir: string, body: () => Promise<T>): Promise<T> {
  const vars = { TMPDIR: tempDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  // Traversable, not listable: the disposable Postgres runs as the `postgres` user under it.
  fs.chmodSync(tempDir, 0o711);
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function parseArgs(argv: readonly string[]): RehearseOptions {
  const opts: { fault?: Fault; only?: Procedure[]; reportsDir?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    if (argv[i] === "--break") opts.fault = parseFault(value());
    else if (argv[i] === "--only") opts.only = parseProcedures(value());
    else if (argv[i] === "--reports") opts.reportsDir = value();
    else throw new Error(`unknown option ${argv[i]}; usage: npm run rehearse -- [--break <${Object.keys(FAULTS).join("|")}>] [--only rollback,restore,drill] [--reports <dir>]`);
  }
  return opts;
}

if (require.main === module) {
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
