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

/** Within a window, the counters are read this often for an early pass (the window's end is the other verdict). */
const EARLY_SCRAPE_MS = 1000;

/**
 * The sends that pass a window before its end, within the failure ratio: the window's own minimum volume
 * (its sent counter only grows, so that part of the verdict cannot change) and at least `minSends`, a sample
 * large enough for the ratio to mean something.
 */
function earlyVolume(inputs: SendRateInputs): number {
  return Math.max(inputs.minSends, Math.ceil((inputs.minPerMinute * inputs.windowMs) / 60000));
}

/**
 * One measurement: a scrape, then one a window later; in between, a scrape every second may pass it early
 * (docs/post-deploy-checks.md, "Send rate: the early pass").
 */
async function measure(inputs: SendRateInputs): Promise<SendRateVerdict | { pass: false; case: "scrape-failed"; message: string }> {
  const first = await scrape(inputs);
  if ("error" in first) return { pass: false, case: "scrape-failed", message: `scrape-failed: ${first.error}` };
  const end = first.at + inputs.windowMs;
  while (end - Date.now() > EARLY_SCRAPE_MS) {
    await sleep(EARLY_SCRAPE_MS);
    const now = await scrape(inputs);
    if ("error" in now) continue; // the window's end decides
    const verdict = judgeSendRate(first.reading, now.reading, now.at - first.at, inputs);
    if (verdict.pass && verdict.case === "ok" && (verdict.sent ?? 0) >= earlyVolume(inputs))
      return { ...verdict, message: `${verdict.message}; passed early: ${verdict.sent} sends ≥ ${earlyVolume(inputs)}` };
  }
  await sleep(end - Date.now());
  const second = await scrape(inputs);
  if ("error" in second) return { pass: false, case: "scrape-failed", message: `scrape-failed: ${second.error}` };
  return judgeSendRate(first.reading, second.reading, second.at - first.at, inputs);
}

/**
 * Measures until one window passes; a new window starts only if it can end before the deadline, and
 * no sooner than a window after the previous one began. A refused first scrape (the gateway restarting)
 * is tried again a second later, as every check polls (issue 15): a sixth of a window (10 s by default)
 * made the verdict up to 10 s late after the gateway was back (bench/checkLatency.ts).
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
    const pace = verdict.case === "scrape-failed" ? EARLY_SCRAPE_MS : inputs.windowMs;
    await sleep(Math.max(0, began + pace - Date.now()));
  }
}
