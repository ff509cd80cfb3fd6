/** The QR-path check's decisions: which events end an attempt, and how an attempt is reported. */
import { WaitOutcome } from "../lib/gateway";
import { describeEvent, GatewayEvent } from "../lib/gatewayEvents";

/** Events that end an attempt for this session: its QR, `open`, or `close`. */
export function decidesAttempt(sessionId: string): (event: GatewayEvent) => boolean {
  return (e) => e.kind !== "unknown" && e.sessionId === sessionId && (e.kind === "qr" || e.status === "open" || e.status === "close");
}

/**
 * `answered`: the gateway took the connect and kept the stream open, so the attempt counts towards the
 * runbook's three; otherwise the gateway is not (yet) there, and it may still come back before the deadline.
 */
export type AttemptResult =
  | { readonly pass: true; readonly passedOn: "qr" | "open"; readonly detail: string }
  | { readonly pass: false; readonly detail: string; readonly answered: boolean };

export function judgeAttempt(sessionId: string, outcome: WaitOutcome, timeoutMs: number): AttemptResult {
  const mine = outcome.seen.filter((e) => e.kind !== "unknown" && e.sessionId === sessionId);
  const last = mine.length ? `last event: ${describeEvent(mine[mine.length - 1])}` : `no event for ${sessionId}`;
  if (outcome.outcome === "matched") {
    const e = outcome.event;
    if (e.kind === "qr") return { pass: true, passedOn: "qr", detail: describeEvent(e) };
    if (e.kind === "status" && e.status === "open") return { pass: true, passedOn: "open", detail: describeEvent(e) };
    return { pass: false, detail: `session closed before a QR: ${describeEvent(e)}`, answered: true };
  }
  if (outcome.outcome === "dropped") {
    return {
      pass: false,
      detail: `WebSocket dropped (code ${outcome.closeCode}${outcome.closeReason ? ` ${outcome.closeReason}` : ""}) before a QR; ${last}`,
      answered: false,
    };
  }
  return { pass: false, detail: `no QR or open within ${(timeoutMs / 1000).toFixed(1)}s; ${last}`, answered: true };
}

/** Each attempt's line; a long run of retries against an absent gateway shows its first and last ones. */
function attemptLines(attempts: readonly string[]): string[] {
  const lines = attempts.map((a, i) => `  attempt ${i + 1}: ${a}`);
  if (lines.length <= 8) return lines;
  return [...lines.slice(0, 2), `  … ${lines.length - 7} more attempts …`, ...lines.slice(-5)];
}

export function qrFailureMessage(sessionId: string, attempts: readonly string[], logLines: number, logs: string): string {
  return [
    `QR path for session ${sessionId}: no QR after ${attempts.length} attempt${attempts.length === 1 ? "" : "s"}; escalate to the Lead Engineer with these logs (runbook, QR drill step 5)`,
    ...attemptLines(attempts),
    `last ${logLines} gateway log lines (GET /logs; by hand: docker logs --tail ${logLines} spec1-baileys):`,
    logs,
  ].join("\n");
}
