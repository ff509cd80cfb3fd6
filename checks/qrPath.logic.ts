/**
 * The QR-path check's decisions: which events end an attempt, which outcomes mean "the gateway is not
 * there yet" (retried until the deadline) rather than "it answered and gave no QR" (an attempt, runbook
 * §1 step 5: escalate after 3) or "it answered definitively" (a wrong token or URL), and the report.
 */
import { WaitOutcome } from "../lib/gateway";
import { describeEvent, GatewayEvent } from "../lib/gatewayEvents";

/** Events that end an attempt for this session: its QR, `open`, or `close`. */
export function decidesAttempt(sessionId: string): (event: GatewayEvent) => boolean {
  return (e) => e.kind !== "unknown" && e.sessionId === sessionId && (e.kind === "qr" || e.status === "open" || e.status === "close");
}

/**
 * One try, classified: `pass`; `attempt` (the gateway took the connect and gave no QR: it counts);
 * `not-ready` (refused, no answer, 5xx, stream dropped: a gateway restarting looks like this, and it may
 * come back before the deadline); `wrong` (a definitive answer such as 401 or 404: no retry can change it).
 */
export type AttemptResult =
  | { readonly kind: "pass"; readonly passedOn: "qr" | "open"; readonly detail: string }
  | { readonly kind: "attempt" | "not-ready" | "wrong"; readonly detail: string };

export function judgeAttempt(sessionId: string, outcome: WaitOutcome, timeoutMs: number): AttemptResult {
  const mine = outcome.seen.filter((e) => e.kind !== "unknown" && e.sessionId === sessionId);
  const last = mine.length ? `last event: ${describeEvent(mine[mine.length - 1])}` : `no event for ${sessionId}`;
  if (outcome.outcome === "matched") {
    const e = outcome.event;
    if (e.kind === "qr") return { kind: "pass", passedOn: "qr", detail: describeEvent(e) };
    if (e.kind === "status" && e.status === "open") return { kind: "pass", passedOn: "open", detail: describeEvent(e) };
    return { kind: "attempt", detail: `session closed before a QR: ${describeEvent(e)}` };
  }
  if (outcome.outcome === "dropped") {
    const code = `code ${outcome.closeCode}${outcome.closeReason ? ` ${outcome.closeReason}` : ""}`;
    return { kind: "not-ready", detail: `WebSocket dropped (${code}) before a QR; ${last}` };
  }
  return { kind: "attempt", detail: `no QR or open within ${(timeoutMs / 1000).toFixed(1)}s; ${last}` };
}

/**
 * A request to the gateway that failed, by its HTTP status (undefined: nothing answered). No answer, 5xx,
 * 408, 425 and 429 are what a gateway starting or restarting gives; any other status is its definitive
 * answer (a wrong token, a wrong URL), which retrying until the deadline would only report later.
 */
export function requestFailure(status: number | undefined, detail: string): AttemptResult {
  const transient = status === undefined || status >= 500 || status === 408 || status === 425 || status === 429;
  return { kind: transient ? "not-ready" : "wrong", detail };
}

/** What the check saw: every counted attempt, and the tries the gateway was not there for, counted per reason. */
export interface QrRecord {
  readonly attempts: string[];
  notReady: number;
  /** Reason → how many tries gave it, in order of first appearance. */
  readonly notReadyReasons: Map<string, number>;
}

export function newQrRecord(): QrRecord {
  return { attempts: [], notReady: 0, notReadyReasons: new Map() };
}

/** Counts a not-ready try; true when its reason is new (worth a log line: a gateway down a minute must not fill the log). */
export function noteNotReady(record: QrRecord, detail: string): boolean {
  record.notReady++;
  const seen = record.notReadyReasons.get(detail) ?? 0;
  record.notReadyReasons.set(detail, seen + 1);
  return seen === 0;
}

/** Distinct not-ready reasons listed in a failure, the most recent kept. */
const REASONS_SHOWN = 5;

/** Why the check ended without a pass. */
export type QrEnd =
  | { readonly kind: "attempts" }
  | { readonly kind: "deadline"; readonly deadlineMs: number; readonly retryMs: number }
  | { readonly kind: "wrong"; readonly detail: string };

export function qrFailureMessage(sessionId: string, end: QrEnd, record: QrRecord, logLines: number, logs: string): string {
  const n = record.attempts.length;
  const attempts = `${n} attempt${n === 1 ? "" : "s"}`;
  const escalate = "escalate to the Lead Engineer with these logs (runbook, QR drill step 5)";
  const notReady = `the gateway was not ready ${record.notReady} time${record.notReady === 1 ? "" : "s"}`;
  const head =
    end.kind === "attempts"
      ? `no QR after ${attempts}; ${escalate}`
      : end.kind === "deadline"
        ? `no QR within the check's ${(end.deadlineMs / 1000).toFixed(1)}s deadline (${attempts}; ${notReady}, tried every ${(end.retryMs / 1000).toFixed(1)}s); ${escalate}`
        : `the gateway refused the check, which no retry can change: ${end.detail}; check checks.gateway.httpUrl, checks.gateway.wsUrl and the gatewayToken secret`;
  return [
    `QR path for session ${sessionId}: ${head}`,
    ...record.attempts.map((a, i) => `  attempt ${i + 1}: ${a}`),
    ...[...record.notReadyReasons].slice(-REASONS_SHOWN).map(([reason, count]) => `  not ready ×${count}: ${reason}`),
    `last ${logLines} gateway log lines (GET /logs; by hand: docker logs --tail ${logLines} spec1-baileys):`,
    logs,
  ].join("\n");
}
