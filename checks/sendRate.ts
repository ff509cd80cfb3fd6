/** Post-deploy check: the gateway's /metrics shows a healthy send rate (runbook, rollback validation). */
import { gatewayCall } from "../lib/gateway";
import { sleep } from "../lib/poll";
import type { SendRateConfig } from "../config/checks";
import type { Log } from "../lib/log";
import { CounterReading, judgeSendRate, readCounters, SendRateVerdict } from "./sendRate.logic";

export type SendRateInputs = SendRateConfig & {
  /** Secret; sent as `Authorization: Bearer`, never stored in outputs. */
  readonly gatewayToken?: string;
};

type Scrape = { reading: CounterReading; at: number } | { error: string };

async function scrape(inputs: SendRateInputs): Promise<Scrape> {
  try {
    const res = await gatewayCall(`GET ${inputs.metricsUrl}`, inputs.metricsUrl, {
      token: inputs.gatewayToken,
      timeoutMs: inputs.requestTimeoutMs,
    });
    return { reading: readCounters(res.body, inputs), at: Date.now() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** One measurement: two scrapes a window apart. */
async function measure(inputs: SendRateInputs): Promise<SendRateVerdict | { pass: false; case: "scrape-failed"; message: string }> {
  const first = await scrape(inputs);
  if ("error" in first) return { pass: false, case: "scrape-failed", message: `scrape-failed: ${first.error}` };
  await sleep(inputs.windowMs);
  const second = await scrape(inputs);
  if ("error" in second) return { pass: false, case: "scrape-failed", message: `scrape-failed: ${second.error}` };
  return judgeSendRate(first.reading, second.reading, second.at - first.at, inputs);
}

const SCRAPE_RETRIES_PER_WINDOW = 6;

/**
 * Measures until one window passes; a new window starts only if it can end before the deadline, and
 * no sooner than a window after the previous one began (a failed scrape: a sixth of a window), so
 * nothing is retried in a tight loop.
 */
export async function runSendRate(inputs: SendRateInputs, log: Log): Promise<Record<string, unknown>> {
  const start = Date.now();
  for (let measurements = 1; ; measurements++) {
    const began = Date.now();
    const verdict = await measure(inputs);
    log.info(`measurement ${measurements}: ${verdict.message}`);
    if (verdict.pass) {
      if (verdict.warning) log.warn(verdict.message);
      return { ...verdict, measurements, elapsedMs: Date.now() - start };
    }
    if (Date.now() - start + inputs.windowMs > inputs.deadlineMs) {
      const secs = Math.round((Date.now() - start) / 1000);
      throw new Error(
        `send rate at ${inputs.metricsUrl}: not healthy within ${secs}s (${measurements} measurement${measurements === 1 ? "" : "s"}); last: ${verdict.message}`,
      );
    }
    // A refused scrape (gateway still starting) is retried sooner than a full window.
    const pace = verdict.case === "scrape-failed" ? inputs.windowMs / SCRAPE_RETRIES_PER_WINDOW : inputs.windowMs;
    await sleep(Math.max(0, began + pace - Date.now()));
  }
}
