/**
 * One session's re-login, as the runbook does it by hand: listen on the WebSocket, `POST …/connect`,
 * see the QR, show it to the operator, wait for `open` while they scan. Up to `qrAttempts` QR steps; each
 * attempt ends in one named result so an expired QR (nobody scanned in time) is never confused with a
 * lost connection (gateway or network trouble). Never throws: the drill must reach its resume step.
 */
import type { DrillConfig } from "../config/drill";
import { connectSession, EventStream, GatewayCallOptions, openEventStream } from "../lib/gateway";
import { describeEvent, GatewayEvent } from "../lib/gatewayEvents";
import { formatDuration } from "../lib/time";

export type AttemptResult = "open" | "no-qr" | "qr-expired" | "open-timeout" | "connection-lost" | "closed" | "gateway-error";

export interface AttemptReport {
  readonly attempt: number;
  readonly result: AttemptResult;
  /** Whether a QR was shown in this attempt. */
  readonly qrShown: boolean;
  /** How many QRs the gateway sent, and the drill showed, in this attempt (it rotates them while it waits). */
  readonly qrsShown: number;
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
  /** Attempts allowed (`qrAttempts`), so a report says "attempt 1/3" as the progress did. */
  readonly maxAttempts: number;
  readonly attempts: AttemptReport[];
}

/** What the operator should see now: the drill page (drill/page.ts) renders it. */
export interface ReloginView {
  readonly session: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly status: "waiting-for-qr" | "scan" | "open" | "failed" | "retrying";
  /** The QR to scan while `status` is `scan`. */
  readonly qr?: string;
  /** Which QR of this attempt it is (the gateway rotates them). */
  readonly qrNumber: number;
  /** When the current wait ends (epoch ms). */
  readonly deadline?: number;
  readonly detail: string;
}

export interface ReloginHooks {
  readonly log: (line: string) => void;
  /** Called on every change the operator must see: a new QR, open, a failed attempt. */
  readonly show?: (view: ReloginView) => void;
  /** The drill page's address: each QR message's first line names it, as that line is all Pulumi's row shows. */
  readonly pageUrl?: string;
}

export async function reloginSession(
  session: string,
  settings: ReloginSettings,
  token: string | undefined,
  hooks: ReloginHooks,
): Promise<ReloginReport> {
  const attempts: AttemptReport[] = [];
  const maxAttempts = settings.qrAttempts;
  for (let n = 1; n <= maxAttempts; n++) {
    hooks.log(`session ${session}: QR step, attempt ${n}/${maxAttempts}`);
    const started = Date.now();
    const view = (v: Omit<ReloginView, "session" | "attempt" | "maxAttempts">) => hooks.show?.({ session, attempt: n, maxAttempts, ...v });
    const { result, detail, qrsShown } = await attemptOnce(session, settings, token, {
      log: hooks.log,
      view,
      n,
      maxAttempts,
      pageUrl: hooks.pageUrl,
    });
    attempts.push({ attempt: n, result, qrShown: qrsShown > 0, qrsShown, detail, ms: Date.now() - started });
    hooks.log(`session ${session}: attempt ${n}/${maxAttempts}: ${result} — ${detail}`);
    if (result === "open") {
      view({ status: "open", qrNumber: qrsShown, detail });
      return { session, ok: true, result, maxAttempts, attempts };
    }
    view({ status: n < maxAttempts ? "retrying" : "failed", qrNumber: qrsShown, detail: `${result}: ${detail}` });
  }
  return { session, ok: false, result: attempts[attempts.length - 1].result, maxAttempts, attempts };
}

type Attempt = { result: AttemptResult; detail: string; qrsShown: number };
interface AttemptContext {
  readonly log: (line: string) => void;
  readonly view: (v: Omit<ReloginView, "session" | "attempt" | "maxAttempts">) => void;
  readonly n: number;
  readonly maxAttempts: number;
  readonly pageUrl?: string;
}

/**
 * One attempt: connect, then follow every QR the gateway sends (it rotates them while it waits) until `open`,
 * the gateway's own close (408 "QR refs attempts ended" → `qr-expired`), or the deadline: `qrTimeoutMs` for
 * the first QR, then `openTimeoutMs` from the first QR. Every bound is a deadline: no peer event extends it.
 */
async function attemptOnce(session: string, s: ReloginSettings, token: string | undefined, ctx: AttemptContext): Promise<Attempt> {
  const attemptStart = Date.now();
  const opts: GatewayCallOptions = { token, timeoutMs: s.requestTimeoutMs };
  let qrsShown = 0;
  ctx.view({ status: "waiting-for-qr", qrNumber: 0, deadline: attemptStart + s.qrTimeoutMs, detail: "connecting to the gateway" });
  let stream: EventStream;
  try {
    // Listen first: a QR sent before the stream is open would be missed.
    stream = await openEventStream(s.gatewayWsUrl, opts);
  } catch (err) {
    return { result: "connection-lost", detail: (err as Error).message, qrsShown };
  }
  try {
    try {
      await connectSession(s.gatewayUrl, session, opts);
    } catch (err) {
      return { result: "gateway-error", detail: (err as Error).message, qrsShown };
    }
    const mine = (e: GatewayEvent) => e.kind !== "unknown" && e.sessionId === session;
    let deadline = attemptStart + s.qrTimeoutMs;
    for (;;) {
      const next = await stream.waitFor(
        (e) => mine(e) && (e.kind === "qr" || (e.kind === "status" && e.status !== "connecting")),
        Math.max(0, deadline - Date.now()),
      );
      if (next.outcome === "timeout") {
        if (qrsShown === 0) return { result: "no-qr", detail: `no QR within ${s.qrTimeoutMs}ms; ${lastSeen(next.seen)}`, qrsShown };
        return {
          result: "open-timeout",
          detail: `${qrsShown} QR(s) shown, no open within ${s.openTimeoutMs}ms; ${lastSeen(next.seen)}`,
          qrsShown,
        };
      }
      if (next.outcome === "dropped") return dropped(next.closeCode, next.closeReason, qrsShown);
      if (next.event.kind === "status") return statusResult(next.event, qrsShown);
      if (next.event.kind !== "qr") return { result: "gateway-error", detail: "unexpected event", qrsShown };
      if (qrsShown === 0) deadline = Date.now() + s.openTimeoutMs;
      qrsShown++;
      // In full, every time: `pulumi up --diff` prints each message as it arrives, so the log shows the live code.
      ctx.log(
        await qrBlock(
          session,
          next.event.qr,
          deadline - Date.now(),
          { attempt: ctx.n, maxAttempts: ctx.maxAttempts, qrNumber: qrsShown },
          ctx.pageUrl,
        ),
      );
      ctx.view({ status: "scan", qr: next.event.qr, qrNumber: qrsShown, deadline, detail: "scan the QR" });
    }
  } finally {
    stream.close();
  }
}

function statusResult(event: GatewayEvent, qrsShown: number): Attempt {
  if (event.kind !== "status") return { result: "gateway-error", detail: describeEvent(event), qrsShown };
  if (event.status === "open")
    return {
      result: "open",
      detail: qrsShown > 0 ? `QR ${qrsShown} scanned, status open` : "opened without a QR (the session's credentials were still valid)",
      qrsShown,
    };
  if (event.reason === "qr-expired")
    return { result: "qr-expired", detail: `${qrsShown} QR(s) expired before a scan: ${describeEvent(event)}`, qrsShown };
  if (event.reason === "connection-lost")
    return { result: "connection-lost", detail: `gateway lost the WhatsApp connection: ${describeEvent(event)}`, qrsShown };
  return { result: "closed", detail: describeEvent(event), qrsShown };
}

function dropped(code: number, reason: string, qrsShown: number): Attempt {
  return { result: "connection-lost", detail: `WebSocket to the gateway dropped (code ${code}${reason ? `, ${reason}` : ""})`, qrsShown };
}

function lastSeen(seen: GatewayEvent[]): string {
  return seen.length === 0 ? "no event for this session" : `last event: ${describeEvent(seen[seen.length - 1])}`;
}

/**
 * The QR as text the operator scans straight from the log (`qrcode`'s utf8 renderer). Pulumi's progress row shows
 * only a message's first line (pulumi/pulumi pkg/backend/display/rows.go, getInfoColumn), so the art is seen live
 * only with `pulumi up --diff`, which prints messages in full as they arrive; the drill page shows it always, and
 * the first line names the page: on the row, this line replaces the one that announced it.
 */
export async function qrBlock(
  session: string,
  qr: string,
  leftMs: number,
  at: { attempt: number; maxAttempts: number; qrNumber: number },
  pageUrl?: string,
): Promise<string> {
  const qrcode = require("qrcode");
  const art: string = await qrcode.toString(qr, { type: "utf8", errorCorrectionLevel: "L" });
  const which = `attempt ${at.attempt}/${at.maxAttempts}, QR ${at.qrNumber}`;
  const where = pageUrl === undefined ? "" : ` on the drill page ${pageUrl}`;
  return `session ${session}: scan this QR (${which})${where} with the dedicated device (WhatsApp › Linked devices › Link a device); waiting up to ${formatDuration(leftMs)} for open\n${art}`;
}
