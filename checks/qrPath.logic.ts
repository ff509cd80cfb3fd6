/** The QR-path check's decisions: which events end an attempt, and how an attempt is reported. */
import { WaitOutcome } from "../lib/gateway";
import { describeEvent, GatewayEvent } from "../lib/gatewayEvents";

/** Events that end an attempt for this session: its QR, `open`, or `close`. */
export function decidesAttempt(sessionId: string): (event: GatewayEvent) => boolean {
  return (e) => e.kind !== "unknown" && e.sessionId === sessionId && (e.kind === "qr" || e.status === "open" || e.status === "close");
}

export type AttemptResult =
  { readonly pass: true; readonly passedOn: "qr" | "open"; readonly detail: string } | { readonly pass: false; readonly detail: string };

export function judgeAttempt(sessionId: string, outcome: WaitOutcome, timeoutMs: number): AttemptResult {
  const mine = outcome.seen.filter((e) => e.kind !== "unknown" && e.sessionId === sessionId);
  const last = mine.length ? `last event: ${describeEvent(mine[mine.length - 1])}` : `no event for ${sessionId}`;
  if (outcome.outcome === "matched") {
    const e = outcome.event;
    if (e.kind === "qr") return { pass: true, passedOn: "qr", detail: describeEvent(e) };
    if (e.kind === "status" && e.status === "open") return { pass: true, passedOn: "open", detail: describeEvent(e) };
    return { pass: false, detail: `session closed before a QR: ${describeEvent(e)}` };
  }
  if (outcome.outcome === "dropped") {
    return {
      pass: false,
      detail: `WebSocket dropped (code ${outcome.closeCode}${outcome.closeReason ? ` ${outcome.closeReason}` : ""}) before a QR; ${last}`,
    };
  }
  return { pass: false, detail: `no QR or open within ${(timeoutMs / 1000).toFixed(1)}s; ${last}` };
}

export function qrFailureMessage(sessionId: string, attempts: readonly string[], logLines: number, logs: string): string {
  return [
    `QR path for session ${sessionId}: no QR after ${attempts.length} attempt${attempts.length === 1 ? "" : "s"}; escalate to the Lead Engineer with these logs (runbook, QR drill step 5)`,
    ...attempts.map((a, i) => `  attempt ${i + 1}: ${a}`),
    `last ${logLines} gateway log lines (GET /logs; by hand: docker logs --tail ${logLines} spec1-baileys):`,
    logs,
  ].join("\n");
}
