/**
 * Runbook §2 on the restore stack: `pulumi up` names the backup it takes (the program looks it up, as
 * in a preview), restores it into a disposable Postgres and runs the smoke SQL, and `pulumi destroy`
 * removes the server — only after a passing up, as the scheduled pipeline does. After a failed up the server would be kept for the DBA;
 * the rehearsal says where it is, then removes it with everything else.
 */
import { Deployed, destroy } from "../../harness/engine";
import type { UpResult } from "../program";
import { firstError, printDiagnostics, printSteps, ProcedureFailure, ProcedureOutcome, RehearsalContext } from "../procedure";
import type { BackupStore, SeededBackups } from "../backupStore";

export async function rehearseRestore(ctx: RehearsalContext, store: BackupStore): Promise<ProcedureOutcome> {
  const backups = await store.ready;
  // Registered before the up, so the host is still there when it runs; what an interrupted up was
  // still creating is in no state yet: the rehearsal's sweep of its temp dir finds that server.
  let state: ReadonlyMap<string, Deployed> = new Map();
  let destroyed = false;
  const destroyStack = async () => {
    if (destroyed) return;
    destroyed = true;
    await destroy(ctx.host, state, (name) => ctx.log(`    - ${name} deleting…`));
  };
  ctx.lifecycle.defer("the restore stack's resources", destroyStack);
  ctx.log(`  $ pulumi up -s restore`);
  const result = await ctx.program.up(ctx.host, ctx.requests.get("restore")!, new Map(), printSteps(ctx.log, ctx.display));
  printDiagnostics(ctx);
  state = result.state;
  if (!result.ok) {
    ctx.log(`\n  (In production the disposable Postgres stays up for the DBA; the rehearsal removes it when it stops.)`);
    throw new ProcedureFailure(firstError(result), { verification: [] });
  }
  const verification = smokeLines(result, backups);
  ctx.log(`\n  $ pulumi destroy -s restore`);
  await destroyStack();
  printDiagnostics(ctx);
  ctx.log(`    disposable Postgres and downloaded dump removed`);
  return { verification };
}

/** The runbook's verification: smoke results with RTO/RPO, beside what was seeded. */
function smokeLines(result: UpResult, store: SeededBackups): string[] {
  const run = [...result.state.values()].find((d) => d.outs.report !== undefined);
  const report = run?.outs.report as {
    backup: { ageHours: number; type?: string };
    timings: { rtoSeconds?: number };
    smoke: Record<string, string>;
  };
  const seeded = store.seeded;
  const lines = [
    `restore passed: RTO ${report.timings.rtoSeconds?.toFixed(1)} s (restore start → smoke SQL answered), RPO ${age(report.backup.ageHours)} (backup age), ${report.backup.type} dump`,
    `seeded before the dump: ${seeded.users} users, ${seeded.recentSales} recent sales, tickets ${Object.entries(seeded.ticketsByStatus)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ")}`,
  ];
  for (const [name, output] of Object.entries(report.smoke)) lines.push(`smoke ${name}:\n${output.replace(/\n+$/, "")}`);
  return lines;
}

function age(hours: number): string {
  return hours >= 1 ? `${hours.toFixed(1)} h` : hours * 60 >= 1 ? `${Math.round(hours * 60)} min` : `${Math.round(hours * 3600)} s`;
}
