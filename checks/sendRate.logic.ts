/**
 * The send-rate check's arithmetic and its no-data policy. Every way the data can be unusable has a
 * named case in the verdict: never a crash, never a silent pass.
 */
export interface CounterSpec {
  readonly metric: string;
  readonly label: string;
  readonly successValue: string;
  readonly failedValue: string;
}

export type CounterReading =
  | { readonly kind: "ok"; readonly success: number; readonly failed: number }
  | { readonly kind: "metric-absent" | "malformed" | "nan"; readonly detail: string };

interface ParsedFamily {
  name: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

/** Reads the success and failed counters (summed over all other labels) from a /metrics body. */
export function readCounters(text: string, spec: CounterSpec): CounterReading {
  const parse = require("parse-prometheus-text-format") as (text: string) => ParsedFamily[];
  let families: ParsedFamily[];
  try {
    families = parse(text);
  } catch (err) {
    return { kind: "malformed", detail: `not valid Prometheus text: ${(err as Error).message}` };
  }
  const family = families.find((f) => f.name === spec.metric);
  if (!family) return { kind: "metric-absent", detail: `${spec.metric} is absent from /metrics` };
  const series = (value: string) => family.metrics.filter((m) => m.labels?.[spec.label] === value);
  const matched = [...series(spec.successValue), ...series(spec.failedValue)];
  if (matched.length === 0) {
    return {
      kind: "metric-absent",
      detail: `${spec.metric} has no series with ${spec.label}="${spec.successValue}" or ${spec.label}="${spec.failedValue}"`,
    };
  }
  for (const m of matched) {
    const where = `${spec.metric}{${spec.label}="${m.labels?.[spec.label]}"}`;
    if (m.value === "NaN" || m.value === "+Inf" || m.value === "-Inf") return { kind: "nan", detail: `${where} is ${m.value}` };
    if (m.value === undefined || m.value.trim() === "" || !Number.isFinite(Number(m.value))) {
      return { kind: "malformed", detail: `${where} has the value ${JSON.stringify(m.value)}, not a number` };
    }
  }
  const sum = (value: string) => series(value).reduce((total, m) => total + Number(m.value), 0);
  const success = sum(spec.successValue);
  const failed = sum(spec.failedValue);
  // Finite values can still sum past the largest double: Infinity would compare as a pass.
  for (const [value, total] of [
    [spec.successValue, success],
    [spec.failedValue, failed],
  ] as const) {
    if (!Number.isFinite(total)) return { kind: "nan", detail: `${spec.metric}{${spec.label}="${value}"} sums to ${total}` };
  }
  return { kind: "ok", success, failed };
}

export interface SendRateThresholds {
  readonly minPerMinute: number;
  readonly maxFailureRatio: number;
  readonly noTraffic: "fail" | "warn";
}

export type SendRateCase =
  "ok" | "metric-absent" | "malformed" | "nan" | "counter-reset" | "no-traffic" | "low-rate" | "high-failure-ratio";

export interface SendRateVerdict {
  readonly pass: boolean;
  readonly case: SendRateCase;
  /** A pass that an operator must look at (no traffic under the `warn` policy). */
  readonly warning: boolean;
  readonly message: string;
  readonly windowMs: number;
  readonly sent?: number;
  readonly failed?: number;
  readonly ratePerMinute?: number;
  readonly failureRatio?: number;
}

/** Judges two readings `windowMs` apart. */
export function judgeSendRate(first: CounterReading, second: CounterReading, windowMs: number, t: SendRateThresholds): SendRateVerdict {
  const secs = `${(windowMs / 1000).toFixed(1)}s`;
  const fail = (c: SendRateCase, message: string, extra: Partial<SendRateVerdict> = {}): SendRateVerdict => ({
    pass: false,
    case: c,
    warning: false,
    message,
    windowMs,
    ...extra,
  });
  if (first.kind !== "ok") return fail(first.kind, `${first.kind} in the first scrape: ${first.detail}`);
  if (second.kind !== "ok") return fail(second.kind, `${second.kind} in the second scrape: ${second.detail}`);
  const sent = second.success - first.success;
  const failed = second.failed - first.failed;
  const counts = `success ${first.success} → ${second.success}, failed ${first.failed} → ${second.failed} in ${secs}`;
  // NaN fails every comparison below, so it would pass them all: anything not finite is a failure by name.
  const derived = [sent, failed, sent + failed, (sent * 60000) / windowMs];
  if (!derived.every(Number.isFinite)) return fail("nan", `nan: the counters give no finite rate (${counts})`);
  if (sent < 0 || failed < 0)
    return fail("counter-reset", `counter-reset: a counter went down (${counts}); the gateway restarted during the window`);
  const measured = {
    sent,
    failed,
    ratePerMinute: round((sent * 60000) / windowMs),
    failureRatio: sent + failed === 0 ? 0 : round(failed / (sent + failed)),
  };
  if (sent + failed === 0) {
    const message = `no-traffic: no message sent or failed (${counts})`;
    if (t.noTraffic === "fail")
      return fail("no-traffic", `${message}; set checks.sendRate.noTraffic to "warn" where quiet periods are normal`, measured);
    return {
      pass: true,
      case: "no-traffic",
      warning: true,
      message: `${message}; passed with a warning (checks.sendRate.noTraffic = "warn")`,
      windowMs,
      ...measured,
    };
  }
  const rate = `${measured.ratePerMinute}/min, failure ratio ${measured.failureRatio} (${sent} sent, ${failed} failed in ${secs})`;
  if (measured.failureRatio > t.maxFailureRatio)
    return fail("high-failure-ratio", `high-failure-ratio: ${rate}; at most ${t.maxFailureRatio} allowed`, measured);
  if (measured.ratePerMinute < t.minPerMinute)
    return fail("low-rate", `low-rate: ${rate}; at least ${t.minPerMinute}/min expected`, measured);
  return { pass: true, case: "ok", warning: false, message: `send rate ${rate}`, windowMs, ...measured };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
