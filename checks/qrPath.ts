/**
 * Post-deploy check: the QR broadcast path works (runbook, QR drill). For a canary session: listen on
 * the gateway's WebSocket, POST connect, pass on that session's QR or `open`. It fails after `attempts`
 * attempts the gateway answered without a QR (the runbook's three), or at its deadline; a gateway that is
 * not there (refused, 5xx, stream dropped: a container still starting) may come back, so it is tried again
 * every RETRY_MS until the deadline, and the check passes within a second of its return. On failure the
 * gateway's last log lines are attached to the error.
 */
import { connectSession, fetchGatewayLogs, openEventStream } from "../lib/gateway";
import { sleep } from "../lib/poll";
import type { QrConfig } from "../config/checks";
import type { Log } from "../lib/log";
import { AttemptResult, decidesAttempt, judgeAttempt, qrFailureMessage } from "./qrPath.logic";

export type QrPathInputs = QrConfig & {
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Secret; sent as `Authorization: Bearer`, never stored in outputs. */
  readonly gatewayToken?: string;
};

/** How often a gateway that is not there is tried again (a verdict within a second of its return). */
export const RETRY_MS = 1000;

async function attempt(inputs: QrPathInputs, timeoutMs: number): Promise<AttemptResult> {
  const call = { token: inputs.gatewayToken, timeoutMs: Math.min(inputs.requestTimeoutMs, timeoutMs) };
  let stream;
  try {
    // Listen first: a QR sent before we listen would be missed.
    stream = await openEventStream(inputs.wsUrl, call);
  } catch (err) {
    return { pass: false, detail: (err as Error).message, answered: false };
  }
  try {
    try {
      await connectSession(inputs.httpUrl, inputs.sessionId, call);
    } catch (err) {
      return {
        pass: false,
        detail: (err as Error).message,
        answered: !/HTTP 5\d\d|ECONNREFUSED|ECONNRESET|no answer within/.test((err as Error).message),
      };
    }
    const outcome = await stream.waitFor(decidesAttempt(inputs.sessionId), timeoutMs);
    return judgeAttempt(inputs.sessionId, outcome, timeoutMs);
  } catch (err) {
    return { pass: false, detail: (err as Error).message, answered: true };
  } finally {
    stream.close();
  }
}

export async function runQrPath(inputs: QrPathInputs, log: Log): Promise<Record<string, unknown>> {
  const start = Date.now();
  const failures: string[] = [];
  let tries = 0;
  for (let n = 1; n <= inputs.attempts; n++) {
    const left = inputs.deadlineMs - (Date.now() - start);
    if (left <= 0) {
      failures.push(`not started: the check's ${(inputs.deadlineMs / 1000).toFixed(1)}s deadline had passed`);
      break;
    }
    const began = Date.now();
    const result = await attempt(inputs, Math.min(inputs.attemptTimeoutMs, left));
    tries++;
    log.info(`attempt ${tries}: ${result.detail}`);
    if (result.pass)
      return {
        sessionId: inputs.sessionId,
        passedOn: result.passedOn,
        attempts: tries,
        lastEvent: result.detail,
        elapsedMs: Date.now() - start,
      };
    failures.push(result.detail);
    if (!result.answered) {
      // Not an attempt the gateway answered: it does not count, and the next try comes a second after this one began.
      n--;
      await sleep(Math.min(began + RETRY_MS, start + inputs.deadlineMs) - Date.now());
    }
  }
  const logs = await fetchGatewayLogs(inputs.httpUrl, inputs.logLines, { token: inputs.gatewayToken, timeoutMs: inputs.requestTimeoutMs });
  throw new Error(qrFailureMessage(inputs.sessionId, failures, inputs.logLines, logs));
}
