/**
 * Post-deploy check: the QR broadcast path works (runbook, QR drill). For a canary session: listen on
 * the gateway's WebSocket, POST connect, pass on that session's QR or `open`. A gateway that is not there
 * (refused, 5xx, stream dropped: its container restarting after the image change) is tried again every
 * RETRY_MS until the deadline, so the check passes within about a second of its return and never fails
 * before its deadline while it may still come back. Only the gateway's own answers end it early:
 * `attempts` connects taken without a QR (the runbook's three), or a definitive refusal (401, 404). On
 * failure the gateway's last log lines are attached.
 */
import { connectSession, EventStream, fetchGatewayLogs, openEventStream } from "../lib/gateway";
import { HttpCallError } from "../lib/http";
import { pollUntil } from "../lib/poll";
import type { QrConfig } from "../config/checks";
import type { Log } from "../lib/log";
import {
  AttemptResult,
  decidesAttempt,
  judgeAttempt,
  newQrRecord,
  noteNotReady,
  QrEnd,
  qrFailureMessage,
  requestFailure,
} from "./qrPath.logic";

export type QrPathInputs = QrConfig & {
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Secret; sent as `Authorization: Bearer`, never stored in outputs. */
  readonly gatewayToken?: string;
};

/** From one try's start to the next (lib/poll.ts): a verdict within a second of the gateway's return. */
export const RETRY_MS = 1000;

/** Classified by the HTTP status the call carries (lib/http.ts HttpCallError), never by its message's text. */
function failedRequest(err: unknown): AttemptResult {
  return requestFailure(err instanceof HttpCallError ? err.status : undefined, (err as Error).message);
}

async function attempt(inputs: QrPathInputs, timeoutMs: number): Promise<AttemptResult> {
  const call = { token: inputs.gatewayToken, timeoutMs: Math.min(inputs.requestTimeoutMs, timeoutMs) };
  let stream: EventStream;
  try {
    // Listen first: a QR sent before we listen would be missed.
    stream = await openEventStream(inputs.wsUrl, call);
  } catch (err) {
    return failedRequest(err);
  }
  try {
    await connectSession(inputs.httpUrl, inputs.sessionId, call);
  } catch (err) {
    stream.close();
    return failedRequest(err);
  }
  try {
    return judgeAttempt(inputs.sessionId, await stream.waitFor(decidesAttempt(inputs.sessionId), timeoutMs), timeoutMs);
  } finally {
    stream.close();
  }
}

type Verdict = { pass: true; passedOn: "qr" | "open"; detail: string } | { pass: false; end: QrEnd };

export async function runQrPath(inputs: QrPathInputs, log: Log): Promise<Record<string, unknown>> {
  const start = Date.now();
  const record = newQrRecord();
  let verdict: Verdict;
  try {
    verdict = await pollUntil<Verdict>(
      async (remainingMs) => {
        const result = await attempt(inputs, Math.min(inputs.attemptTimeoutMs, remainingMs));
        if (result.kind === "pass") {
          log.info(`attempt ${record.attempts.length + 1}: ${result.detail}`);
          return { done: true, value: { pass: true, passedOn: result.passedOn, detail: result.detail } };
        }
        if (result.kind === "wrong") return { done: true, value: { pass: false, end: { kind: "wrong", detail: result.detail } } };
        if (result.kind === "attempt") {
          record.attempts.push(result.detail);
          log.info(`attempt ${record.attempts.length}: ${result.detail}`);
          if (record.attempts.length >= inputs.attempts) return { done: true, value: { pass: false, end: { kind: "attempts" } } };
          return { done: false, seen: result.detail };
        }
        if (noteNotReady(record, result.detail)) log.info(`gateway not ready, trying every ${RETRY_MS}ms: ${result.detail}`);
        return { done: false, seen: result.detail };
      },
      { what: `QR path for session ${inputs.sessionId}`, deadlineMs: inputs.deadlineMs, intervalMs: RETRY_MS },
    );
  } catch (err) {
    if ((err as Error).name !== "DeadlineError") throw err;
    verdict = { pass: false, end: { kind: "deadline", deadlineMs: inputs.deadlineMs, retryMs: RETRY_MS } };
  }
  if (verdict.pass)
    return {
      sessionId: inputs.sessionId,
      passedOn: verdict.passedOn,
      attempts: record.attempts.length + 1,
      notReady: record.notReady,
      lastEvent: verdict.detail,
      elapsedMs: Date.now() - start,
    };
  const logs = await fetchGatewayLogs(inputs.httpUrl, inputs.logLines, { token: inputs.gatewayToken, timeoutMs: inputs.requestTimeoutMs });
  throw new Error(qrFailureMessage(inputs.sessionId, verdict.end, record, inputs.logLines, logs));
}
