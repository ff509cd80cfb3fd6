/**
 * Runbook §3 on the app stack: the stack as last deployed, one image tag changed in config, the
 * `pulumi preview --diff` of that change, then `pulumi up`'s post-deploy checks against the local SPEC-1.
 */
import type { StackResource } from "../capture";
import { enqueueBacklog } from "../../local/services/worker";
import { Deployed, planStep, up, UpResult, verdictOf } from "../engine";
import { DYNAMIC_TYPE, diffStacks, formatPreview, ProviderVerdict } from "../previewDiff";
import { printSteps, ProcedureFailure, ProcedureOutcome, RehearsalContext } from "../procedure";

/** How many jobs wait in each queue when the rollback starts: the backlog "queues drained" is about. */
const BACKLOG = 50;

export async function rehearseRollback(ctx: RehearsalContext): Promise<ProcedureOutcome> {
  const change = ctx.rollback;
  const deployed = ctx.stacks.get("app")!;
  const target = ctx.stacks.get("app-rollback")!;

  ctx.log(`  the stack as last deployed: ${change.service} at ${change.from} (its checks, as the last \`pulumi up\` ran them)`);
  const before = await up(ctx.host, deployed.resources, new Map());
  if (!before.ok) throw new ProcedureFailure(`the deployed stack failed its own checks before any change: ${firstError(before)}`, outcome(before));
  ctx.log(`    ${before.steps.length} dynamic resources created`);

  await breakAppServices(ctx);
  await enqueueBacklog(ctx.spec1.redis.url, ctx.spec1.settings.queues, BACKLOG);
  ctx.log(`  ${BACKLOG} jobs waiting in each of ${ctx.spec1.settings.queues.join(", ")}`);

  ctx.log(`\n  $ pulumi config set --path imageTags.${change.service} ${change.to}`);
  ctx.log(`  $ pulumi preview --diff`);
  for (const line of formatPreview(deployed.stack, diffStacks(deployed.resources, target.resources, await verdicts(ctx, target.resources, before.state)), target.resources.length)) {
    ctx.log(`  ${line}`);
  }

  ctx.log(`\n  $ pulumi up`);
  const after = await up(ctx.host, target.resources, before.state, printSteps(ctx.log));
  if (!after.ok) throw new ProcedureFailure(firstError(after), outcome(after));
  return outcome(after);
}

/** What each dynamic resource's provider says about the change (Check + Diff: no side effects). */
async function verdicts(ctx: RehearsalContext, resources: readonly StackResource[], state: ReadonlyMap<string, Deployed>) {
  const found = new Map<string, ProviderVerdict>();
  for (const r of resources.filter((r) => r.type === DYNAMIC_TYPE)) found.set(r.name, verdictOf((await planStep(ctx.host, r, state.get(r.name))).step));
  return found;
}

async function breakAppServices(ctx: RehearsalContext): Promise<void> {
  if (ctx.fault === "health-degraded") ctx.spec1.api.set({ health: "degraded" });
  if (ctx.fault === "metrics-missing") ctx.spec1.gateway.set({ metrics: "missing" });
  if (ctx.fault === "queue-stuck") await ctx.spec1.worker.stop();
}

function firstError(result: UpResult): string {
  const failed = result.steps.find((s) => s.status === "failed");
  return failed && failed.status === "failed" ? `${failed.name}: ${failed.error}` : "a step failed";
}

function outcome(result: UpResult): ProcedureOutcome {
  const verification = [...result.state.values()].map((d) => checkLine(d.name, (d.outs.result ?? {}) as Record<string, any>));
  for (const s of result.steps) if (s.status !== "done") verification.push(`${s.name}: ${s.status === "failed" ? "FAILED" : s.status}`);
  return { verification };
}

/** The runbook's validation line for one passed check, from what it measured (checks/*: `result`). */
export function checkLine(name: string, r: Record<string, any>): string {
  if (name.endsWith("-api-health")) return `health: HTTP ${r.httpStatus} ${r.bodyExcerpt} (runbook: { status: 'ok' })`;
  if (name.endsWith("-web-console")) return `web console loads: HTTP ${r.httpStatus} ${r.contentType}`;
  if (name.endsWith("-send-rate")) {
    return `send rate: ${r.ratePerMinute}/min, failure ratio ${r.failureRatio} (${r.sent} sent, ${r.failed} failed in ${(r.windowMs / 1000).toFixed(1)}s)`;
  }
  if (name.endsWith("-queues")) {
    const queues = Object.entries<any>(r.queues ?? {}).map(([q, v]) => `${q} ${v.state} (waiting ${v.first?.waiting} → ${v.last?.waiting})`);
    return `queues draining: ${queues.join(", ")}`;
  }
  if (name.endsWith("-qr-path")) return `QR path: session ${r.sessionId} ${r.passedOn} on attempt ${r.attempts}`;
  return `${name}: passed`;
}
