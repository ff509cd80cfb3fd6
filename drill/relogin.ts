/**
 * One session's re-login, as the runbook does it by hand: listen on the WebSocket, `POST …/connect`,
 * see the QR, show it to the operator, wait for `open` while they scan. Up to `qrAttempts` QR steps; each
 * attempt ends in one named result so an expired QR (nobody scanned in time) is never confused with a
 * lost connection (gateway or network trouble). Never throws: the drill must reach its resume step.
 */
import type { DrillConfig } from "../config/drill";
import { connectSession, EventStream, GatewayCallOptions, openEventStream } from "../lib/gateway";
import { describeEvent, GatewayEvent } from "../lib/gatewayEvents";

export type AttemptResult = "open" | "no-qr" | "qr-expired" | "open-timeout" | "connection-lost" | "closed" | "gateway-error";

export interface AttemptReport {
  readonly attempt: number;
  readonly result: AttemptResult;
  /** Whether a QR was shown in this attempt. */
  readonly qrShown: boolean;
  readonly detail: string;
  readonly ms: number;
}

export type ReloginSettings = Pick<
  DrillConfig,
  "gatewayUrl" | "gatewayWsUrl" | "qrAttempts" | "qrTimeoutMs" | "openTimeoutMs" | "requestTimeoutMs"
>;

export interface ReloginReport {
  readonly session: string;
  readonly ok: boolean;
  /** The last attempt's result: `open` on success. */
  readonly result: AttemptResult;
  readonly attempts: AttemptReport[];
}

export async function reloginSession(
  session: string,
  settings: ReloginSettings,
  token: string | undefined,
  log: (line: string) => void,
): Promise<ReloginReport> {
  const attempts: AttemptReport[] = [];
  for (let n = 1; n <= settings.qrAttempts; n++) {
    log(`session ${session}: QR step, attempt ${n}/${settings.qrAttempts}`);
    const started = Date.now();
    const { result, detail, qrShown } = await attemptOnce(session, settings, token, log);
    attempts.push({ attempt: n, result, qrShown, detail, ms: Date.now() - started });
    log(`session ${session}: attempt ${n}/${settings.qrAttempts}: ${result} — ${detail}`);
    if (result === "open") return { session, ok: true, result, attempts };
  }
  return { session, ok: false, result: attempts[attempts.length - 1].result, attempts };
}

type Attempt = { result: AttemptResult; detail: string; qrShown: boolean };

async function attemptOnce(session: string, s: ReloginSettings, token: string | undefined, log: (line: string) => void): Promise<Attempt> {
  const opts: GatewayCallOptions = { token, timeoutMs: s.requestTimeoutMs };
  let stream: EventStream;
  try {
    // Listen first: a QR sent before the stream is open would be missed.
    stream = await openEventStream(s.gatewayWsUrl, opts);
  } catch (err) {
    return { result: "connection-lost", detail: (err as Error).message, qrShown: false };
  }
  try {
    try {
      await connectSession(s.gatewayUrl, session, opts);
    } catch (err) {
      return { result: "gateway-error", detail: (err as Error).message, qrShown: false };
    }
    const mine = (e: GatewayEvent) => e.kind !== "unknown" && e.sessionId === session;
    const first = await stream.waitFor(
      (e) => mine(e) && (e.kind === "qr" || (e.kind === "status" && e.status !== "connecting")),
      s.qrTimeoutMs,
    );
    if (first.outcome === "timeout")
      return { result: "no-qr", detail: `no QR within ${s.qrTimeoutMs}ms; ${lastSeen(first.seen)}`, qrShown: false };
    if (first.outcome === "dropped") return dropped(first.closeCode, first.closeReason, false);
    if (first.event.kind === "status") return statusResult(first.event, false);
    if (first.event.kind !== "qr") return { result: "gateway-error", detail: "unexpected event", qrShown: false };
    log(await qrBlock(session, first.event.qr, s.openTimeoutMs));
    const next = await stream.waitFor((e) => mine(e) && e.kind === "status" && e.status !== "connecting", s.openTimeoutMs);
    if (next.outcome === "timeout")
      return { result: "open-timeout", detail: `QR shown, no open within ${s.openTimeoutMs}ms; ${lastSeen(next.seen)}`, qrShown: true };
    if (next.outcome === "dropped") return dropped(next.closeCode, next.closeReason, true);
    return statusResult(next.event, true);
  } finally {
    stream.close();
  }
}

function statusResult(event: GatewayEvent, qrShown: boolean): Attempt {
  if (event.kind !== "status") return { result: "gateway-error", detail: describeEvent(event), qrShown };
  if (event.status === "open")
    return {
      result: "open",
      detail: qrShown ? "QR scanned, status open" : "opened without a QR (the session's credentials were still valid)",
      qrShown,
    };
  if (event.reason === "qr-expired") return { result: "qr-expired", detail: `QR expired before a scan: ${describeEvent(event)}`, qrShown };
  if (event.reason === "connection-lost")
    return { result: "connection-lost", detail: `gateway lost the WhatsApp connection: ${describeEvent(event)}`, qrShown };
  return { result: "closed", detail: describeEvent(event), qrShown };
}

function dropped(code: number, reason: string, qrShown: boolean): Attempt {
  return { result: "connection-lost", detail: `WebSocket to the gateway dropped (code ${code}${reason ? `, ${reason}` : ""})`, qrShown };
}

function lastSeen(seen: GatewayEvent[]): string {
  return seen.length === 0 ? "no event for this session" : `last event: ${describeEvent(seen[seen.length - 1])}`;
}

/** The QR as text the operator scans straight from the log (`qrcode`'s utf8 renderer). */
export async function qrBlock(session: string, qr: string, openTimeoutMs: number): Promise<string> {
  const qrcode = require("qrcode");
  const art: string = await qrcode.toString(qr, { type: "utf8", errorCorrectionLevel: "L" });
  const minutes = Math.round(openTimeoutMs / 6000) / 10;
  return `session ${session}: scan this QR with the dedicated device (WhatsApp › Linked devices › Link a device); waiting up to ${minutes} min for open\n${art}`;
}
