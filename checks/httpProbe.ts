/** Polls one URL until an answer passes `judge` or the check's own deadline ends. */
import { describeFetchError, excerpt, httpRequest, HttpResult } from "../lib/http";
import { pollUntil } from "../lib/poll";
import type { HttpCheckConfig } from "../config/checks";
import type { Log } from "../lib/log";
import { judgeHealth, judgeWebConsole, Judgement } from "./http.logic";

export interface HttpProbeResult {
  readonly httpStatus: number;
  readonly contentType: string;
  readonly bodyExcerpt: string;
  readonly attempts: number;
  readonly elapsedMs: number;
}

export async function probeHttp(
  what: string,
  inputs: HttpCheckConfig,
  judge: (res: HttpResult) => Judgement,
  log: Log,
): Promise<HttpProbeResult> {
  const start = Date.now();
  let attempts = 0;
  try {
    return await pollUntil<HttpProbeResult>(
      async (remainingMs) => {
        attempts++;
        let res: HttpResult;
        const timeoutMs = Math.min(inputs.requestTimeoutMs, remainingMs);
        try {
          res = await httpRequest(inputs.url, { timeoutMs });
        } catch (err) {
          return { done: false, seen: describeFetchError(err, timeoutMs) };
        }
        const verdict = judge(res);
        if (!verdict.pass) return { done: false, seen: verdict.seen };
        const result = {
          httpStatus: res.status,
          contentType: res.contentType,
          bodyExcerpt: excerpt(res.body),
          attempts,
          elapsedMs: Date.now() - start,
        };
        return { done: true, value: result };
      },
      {
        what: `${what} at ${inputs.url}`,
        deadlineMs: inputs.deadlineMs,
        intervalMs: inputs.intervalMs,
        onAttempt: (n, seen) => log.info(`attempt ${n}: ${seen}`),
      },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message} (${attempts} attempt${attempts === 1 ? "" : "s"})`);
  }
}

/** The api's health route answers 200 `{ status: 'ok' }` (runbook, rollback validation). */
export function runApiHealth(inputs: HttpCheckConfig, log: Log): Promise<HttpProbeResult> {
  return probeHttp("api health", inputs, judgeHealth, log);
}

/** The web console loads (200 with an HTML page). */
export function runWebConsole(inputs: HttpCheckConfig, log: Log): Promise<HttpProbeResult> {
  return probeHttp("web console", inputs, judgeWebConsole, log);
}
