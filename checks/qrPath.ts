/**
 * Post-deploy check: the QR broadcast path works (runbook, QR drill). For a canary session: listen on
 * the gateway's WebSocket, POST connect, pass on that session's QR or `open`. Up to `attempts` tries;
 * on final failure the gateway's last log lines are attached to the error.
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

async function attempt(inputs: QrPathInputs, timeoutMs: number): Promise<AttemptResult> {
  const call = { token: inputs.gatewayToken, timeoutMs: Math.min(inputs.requestTimeoutMs, timeoutMs) };
  let stream;
  try {
    // Listen first: a QR sent before we listen would be missed.
    stream = await openEventStream(inputs.wsUrl, call);
  } catch (err) {
    return { pass: false, detail: (err as Error).message };
  }
  try {
    await connectSession(inputs.httpUrl, inputs.sessionId, call);
    const outcome = await stream.waitFor(decidesAttempt(inputs.sessionId), timeoutMs);
    return judgeAttempt(inputs.sessionId, outcome, timeoutMs);
  } catch (err) {
    return { pass: false, detail: (err as Error).message };
  } finally {
    stream.close();
  }
}

export async function runQrPath(inputs: QrPathInputs, log: Log): Promise<Record<string, unknown>> {
  const start = Date.now();
  const failures: string[] = [];
  for (let n = 1; n <= inputs.attempts; n++) {
    const left = inputs.deadlineMs - (Date.now() - start);
    if (left <= 0) {
      failures.push(`not started: the check's ${(inputs.deadlineMs / 1000).toFixed(1)}s deadline had passed`);
      break;
    }
    const began = Date.now();
    const result = await attempt(inputs, Math.min(inputs.attemptTimeoutMs, left));
    log.info(`attempt ${n}: ${result.detail}`);
    if (result.pass)
      return {
        sessionId: inputs.sessionId,
        passedOn: result.passedOn,
        attempts: n,
        lastEvent: result.detail,
        elapsedMs: Date.now() - start,
      };
    failures.push(result.detail);
    // A gateway still starting refuses at once: pace attempts so three of them span the gateway's start-up.
    if (n < inputs.attempts) await sleep(Math.min(began + inputs.attemptTimeoutMs, start + inputs.deadlineMs) - Date.now());
  }
  const logs = await fetchGatewayLogs(inputs.httpUrl, inputs.logLines, { token: inputs.gatewayToken, timeoutMs: inputs.requestTimeoutMs });
  throw new Error(qrFailureMessage(inputs.sessionId, failures, inputs.logLines, logs));
}
