/**
 * Runbook §3 on the app stack: the stack as last deployed, one image tag changed in config, the
 * `pulumi preview --diff` of that change, then `pulumi up`'s post-deploy checks against the local SPEC-1.
 */
import { enqueueBacklog } from "../../sim/services/worker";
import type { UpResult } from "../program";
import { diffStacks, formatPreview, verdictOf } from "../previewDiff";
import {
  firstError,
  printDiagnostics,
  printNotifications,
  printSteps,
  ProcedureFailure,
  ProcedureOutcome,
  RehearsalContext,
} from "../procedure";

/** How many jobs wait in each queue when the rollback starts: the backlog "queues drained" is about. */
const BACKLOG = 50;

export async function rehearseRollback(ctx: RehearsalContext): Promise<ProcedureOutcome> {
  const change = ctx.rollback;
  const [deployedRequest, targetRequest] = [ctx.requests.get("app")!, ctx.requests.get("app-rollback")!];

  await enqueueBacklog(ctx.spec1.redis.url, ctx.spec1.settings.queues, BACKLOG);
  ctx.log(`  the stack as last deployed: ${change.service} at ${change.from} (its checks, as the last \`pulumi up\` ran them)`);
  const before = await ctx.program.up(ctx.host, deployedRequest, new Map(), {});
  printDiagnostics(ctx);
  if (!before.ok) throw new ProcedureFailure(`the deployed stack failed before any change: ${firstError(before)}`, outcome(before));
  ctx.log(`    ${before.steps.length} dynamic resources created`);

  await breakAppServices(ctx);
  await enqueueBacklog(ctx.spec1.redis.url, ctx.spec1.settings.queues, BACKLOG);
  ctx.log(`  ${BACKLOG} jobs waiting in each of ${ctx.spec1.settings.queues.join(", ")}`);

  ctx.log(`\n  $ pulumi config set --path imageTags.${change.service} ${change.to}`);
  ctx.log(`  $ pulumi preview --diff`);
  const preview = await ctx.program.preview(ctx.host, targetRequest, before.state);
  if (!preview.result.ok) throw new ProcedureFailure(`preview failed: ${firstError(preview.result)}`, outcome(before));
  const verdicts = new Map([...preview.verdicts].map(([name, step]) => [name, verdictOf(step)]));
  const targetResources = preview.result.resources!;
  for (const line of formatPreview(targetRequest.stack, diffStacks(before.resources!, targetResources, verdicts), targetResources.length))
    ctx.log(`  ${line}`);

  ctx.log(`\n  $ pulumi up`);
  const seen = ctx.spec1.chat.items.length;
  const after = await ctx.program.up(ctx.host, targetRequest, before.state, printSteps(ctx.log, ctx.display));
  printDiagnostics(ctx);
  printNotifications(ctx, seen);
  for (const call of ctx.spec1.tracker.items) ctx.log(`    ⚑ incident tracker: ${call.json?.title ?? call.body.slice(0, 200)}`);
  if (!after.ok) throw new ProcedureFailure(firstError(after), outcome(after));
  return outcome(after);
}

async function breakAppServices(ctx: RehearsalContext): Promise<void> {
  if (ctx.fault === "health-degraded") ctx.spec1.api.set({ health: "degraded" });
  if (ctx.fault === "metrics-missing") ctx.spec1.gateway.set({ metrics: "missing" });
  if (ctx.fault === "queue-stuck") await ctx.spec1.worker.stop();
}

function outcome(result: UpResult): ProcedureOutcome {
  const verification = [...result.state.values()].map((d) => checkLine(d.name, d.outs as Record<string, any>));
  for (const s of result.steps) if (s.status !== "done") verification.push(`${s.name}: ${s.status === "failed" ? "FAILED" : s.status}`);
  return { verification };
}

/** The runbook's validation line for one app-stack step, from its outputs (checks/*: `result`; the rollback notice). */
function checkLine(name: string, outs: Record<string, any>): string {
  const r = outs.result ?? {};
  if (name.endsWith("-api-health")) return `health: HTTP ${r.httpStatus} ${r.bodyExcerpt} (runbook: { status: 'ok' })`;
  if (name.endsWith("-web-console")) return `web console loads: HTTP ${r.httpStatus} ${r.contentType}`;
  if (name.endsWith("-send-rate")) {
    return `send rate: ${r.ratePerMinute}/min, failure ratio ${r.failureRatio} (${r.sent} sent, ${r.failed} failed in ${(r.windowMs / 1000).toFixed(1)}s)`;
  }
  if (name.endsWith("-queues")) {
    const queues = Object.entries<any>(r.queues ?? {}).map(
      ([q, v]) => `${q} ${v.state} (waiting ${v.first?.waiting} → ${v.last?.waiting})`,
    );
    return `queues draining: ${queues.join(", ")}`;
  }
  if (name.endsWith("-qr-path")) return `QR path: session ${r.sessionId} ${r.passedOn} on attempt ${r.attempts}`;
  const change = outs.lastChange;
  if (name.endsWith("-rollback-notice") && change) {
    return `post-rollback: stakeholders notified (${change.notified}), incident ${change.incident || "not filed"}, post-mortem ${change.postMortem}`;
  }
  return `${name}: done`;
}
