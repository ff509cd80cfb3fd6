/**
 * Runbook §1 on the drill stack: `pulumi preview` names the sessions, `pulumi up` pauses the outbound
 * queues, re-logs each session in with the stand-in gateway acting as the dedicated device that scans
 * the QR, resumes the queues, and sends the test message through to the chat console.
 */
import type { Deployed } from "../../harness/engine";
import {
  firstError,
  printDiagnostics,
  printNotifications,
  printSteps,
  ProcedureFailure,
  ProcedureOutcome,
  RehearsalContext,
} from "../procedure";

/** `--scan-qr`: the gateway rotates its QR this often (Baileys: ~20 s) and ends a connect after this many (408). */
const QR_ROTATE_MS = 300;
export const QR_REFS = 5;

export async function rehearseDrill(ctx: RehearsalContext): Promise<ProcedureOutcome> {
  if (ctx.fault === "no-qr") ctx.spec1.gateway.set({ qrOnAttempt: null });
  if (ctx.scanQr !== undefined) ctx.spec1.gateway.set({ scanQr: ctx.scanQr, qrRotateMs: QR_ROTATE_MS, qrRefs: QR_REFS });
  if (ctx.fault === "message-lost") ctx.spec1.api.set({ console: "lost" });

  ctx.log(`  $ pulumi up -s drill`);
  const seen = ctx.spec1.chat.items.length;
  const result = await ctx.program.up(ctx.host, ctx.requests.get("drill")!, new Map(), printSteps(ctx.log, ctx.display));
  printDiagnostics(ctx);
  printNotifications(ctx, seen);
  const verification = [...result.state.values()].flatMap(drillLines);
  if (!result.ok) throw new ProcedureFailure(firstError(result), { verification });
  return { verification };
}

/** The runbook's verification lines for one drill step, from its outputs (drill/steps.ts). */
function drillLines(d: Deployed): string[] {
  const o = d.outs as Record<string, any>;
  if (d.name.endsWith("-pause")) {
    return [
      `outbound queues paused: ${o.pausedByDrill.join(", ") || "none"}${o.alreadyPaused.length ? ` (already paused, left paused: ${o.alreadyPaused.join(", ")})` : ""}`,
    ];
  }
  if (/-relogin-/.test(d.name)) {
    const attempts = o.attempts as { result: string; qrsShown: number }[];
    const qrs = attempts.reduce((sum, a) => sum + a.qrsShown, 0);
    return [`session ${o.session}: ${o.result}${o.ok ? "" : " — ESCALATED"} after ${attempts.length} attempt(s), ${qrs} QR(s) shown`];
  }
  if (d.name.endsWith("-resume"))
    return [o.error ? `queues NOT resumed: ${o.error}` : `outbound queues resumed: ${o.resumed.join(", ") || "none"}`];
  if (d.name.endsWith("-test-message")) {
    const r = o.report;
    return [
      r.ok
        ? `test message delivered: ${r.messageId} from ${r.session} to ${r.chatId}, seen in the chat console after ${(r.ms / 1000).toFixed(1)}s`
        : `test message NOT delivered: ${r.detail}`,
    ];
  }
  if (d.name.endsWith("-outcome")) return [`drill report: ${o.report}; result sent: ${o.notified}`];
  return [];
}
