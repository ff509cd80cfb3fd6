/**
 * `spec1:checks`: where and how the post-deploy checks look. Every default is written once, in
 * CHECKS_DEFAULTS; a stack file sets only what differs (see Pulumi.staging.yaml).
 */
import { ConfigError, oneOf, optionalMs, optionalNumber, optionalSection, optionalString, optionalUrl } from "./fields";
import { BULLMQ_PREFIX, GATEWAY_DEFAULTS } from "./shared";

export interface HttpCheckConfig {
  readonly url: string;
  /** From one attempt's start to the next: a verdict comes at most this long after the service is healthy. */
  readonly intervalMs: number;
  readonly deadlineMs: number;
  /** Bound on one request. */
  readonly requestTimeoutMs: number;
}

export type NoTrafficPolicy = "fail" | "warn";

export interface SendRateConfig {
  readonly metricsUrl: string;
  /** Time between the two scrapes of one measurement. */
  readonly windowMs: number;
  /** Measurements are repeated until one passes or this ends. */
  readonly deadlineMs: number;
  readonly requestTimeoutMs: number;
  readonly metric: string;
  readonly label: string;
  readonly successValue: string;
  readonly failedValue: string;
  /** Lowest healthy send rate, successful messages per minute. */
  readonly minPerMinute: number;
  /** Highest healthy failed / (success + failed) over the window. */
  readonly maxFailureRatio: number;
  /** No message at all in the window: `fail` (default) or `warn` (pass, with a warning in the log and outputs). */
  readonly noTraffic: NoTrafficPolicy;
  /**
   * An early pass: once at least this many messages (and the window's minimum volume) were sent within the
   * failure ratio, the window need not end (checks/sendRate.ts).
   */
  readonly minSends: number;
}

export interface QueuesConfig {
  /** BullMQ queue names of the worker. */
  readonly names: readonly string[];
  /** BullMQ key prefix. */
  readonly prefix: string;
  readonly intervalMs: number;
  readonly deadlineMs: number;
  /** Most failed jobs tolerated per queue while the check runs. */
  readonly maxFailed: number;
  /** Bound on connecting to Redis and on each Redis command. */
  readonly connectTimeoutMs: number;
}

export interface QrConfig {
  readonly sessionId: string;
  readonly attempts: number;
  /** How long one attempt waits for the QR (or `open`) after its connect request. */
  readonly attemptTimeoutMs: number;
  readonly deadlineMs: number;
  readonly requestTimeoutMs: number;
  /** Gateway log lines attached to a final failure. */
  readonly logLines: number;
}

export interface ChecksConfig {
  /** Bump to re-run every check without any other change. */
  readonly runId: string;
  readonly health: HttpCheckConfig;
  readonly web: HttpCheckConfig;
  readonly gateway: { readonly httpUrl: string; readonly wsUrl: string };
  readonly sendRate: SendRateConfig;
  readonly queues: QueuesConfig;
  readonly qr: QrConfig;
}

// One second between attempts: a verdict at most 1 s after the service is healthy (issue 15), one request a second at most.
const HTTP_TIMING = { intervalMs: 1000, deadlineMs: 120000, requestTimeoutMs: 5000 };

export const CHECKS_DEFAULTS = {
  runId: "1",
  health: { url: "https://whatsappbot.laptoppro.my/api/health", ...HTTP_TIMING },
  web: { url: "https://whatsappbot.laptoppro.my/", ...HTTP_TIMING },
  gateway: GATEWAY_DEFAULTS,
  sendRate: {
    // metricsUrl defaults to `${gateway.httpUrl}/metrics`.
    windowMs: 60000,
    deadlineMs: 300000,
    requestTimeoutMs: 5000,
    metric: "baileys_messages_sent_total",
    label: "status",
    successValue: "success",
    failedValue: "failed",
    minPerMinute: 1,
    maxFailureRatio: 0.05,
    noTraffic: "fail" as NoTrafficPolicy,
    minSends: 20,
  },
  queues: {
    // SPEC-1's worker: outbound WhatsApp messages, and maintenance jobs such as BACKUP_DAILY.
    names: ["outbound-messages", "maintenance"],
    prefix: BULLMQ_PREFIX,
    intervalMs: 1000,
    deadlineMs: 180000,
    maxFailed: 5,
    connectTimeoutMs: 5000,
  },
  qr: { sessionId: "canary", attempts: 3, attemptTimeoutMs: 30000, deadlineMs: 120000, requestTimeoutMs: 5000, logLines: 200 },
} as const;

const SECTIONS = ["runId", "health", "web", "gateway", "sendRate", "queues", "qr"] as const;

export function parseChecksConfig(value: unknown): ChecksConfig {
  const raw = section("checks", value, SECTIONS);
  const d = CHECKS_DEFAULTS;
  const gateway = section("checks.gateway", raw.gateway, ["httpUrl", "wsUrl"]);
  const httpUrl = optionalUrl("checks.gateway.httpUrl", gateway.httpUrl, d.gateway.httpUrl, "http", "base");
  return {
    runId: parseRunId(raw.runId),
    health: parseHttpCheck("checks.health", raw.health, d.health),
    web: parseHttpCheck("checks.web", raw.web, d.web),
    gateway: { httpUrl, wsUrl: optionalUrl("checks.gateway.wsUrl", gateway.wsUrl, d.gateway.wsUrl, "ws", "full") },
    sendRate: parseSendRate(raw.sendRate, `${httpUrl}/metrics`),
    queues: parseQueues(raw.queues),
    qr: parseQr(raw.qr),
  };
}

function parseRunId(value: unknown): string {
  if (value === undefined) return CHECKS_DEFAULTS.runId;
  if ((typeof value === "string" && value.trim() !== "") || (typeof value === "number" && Number.isFinite(value))) return String(value);
  throw new ConfigError(
    "checks.runId",
    `${JSON.stringify(value)} is not a string or number`,
    "set e.g. 2 (pulumi config set --path checks.runId 2)",
  );
}

function parseHttpCheck(key: string, value: unknown, d: HttpCheckConfig): HttpCheckConfig {
  const raw = section(key, value, ["url", "intervalMs", "deadlineMs", "requestTimeoutMs"]);
  return {
    url: optionalUrl(`${key}.url`, raw.url, d.url, "http", "full"),
    intervalMs: positiveInt(key, raw, d, "intervalMs"),
    deadlineMs: positiveInt(key, raw, d, "deadlineMs"),
    requestTimeoutMs: positiveInt(key, raw, d, "requestTimeoutMs"),
  };
}

/** `<key>.<field>`: an integer ≥ 1 (a count), or a duration in ms (a field ending in `Ms`, capped for timers), defaulting to `d[field]`. */
function positiveInt<F extends string>(key: string, raw: Record<string, unknown>, d: Readonly<Record<F, number>>, field: F): number {
  if (field.endsWith("Ms")) return optionalMs(`${key}.${field}`, raw[field], d[field]);
  return optionalNumber(`${key}.${field}`, raw[field], d[field], { min: 1, integer: true });
}

function parseSendRate(value: unknown, metricsUrl: string): SendRateConfig {
  const key = "checks.sendRate";
  const d = CHECKS_DEFAULTS.sendRate;
  const raw = section(key, value, [
    "metricsUrl",
    "windowMs",
    "deadlineMs",
    "requestTimeoutMs",
    "metric",
    "label",
    "successValue",
    "failedValue",
    "minPerMinute",
    "maxFailureRatio",
    "noTraffic",
    "minSends",
  ]);
  const ratio = optionalNumber(`${key}.maxFailureRatio`, raw.maxFailureRatio, d.maxFailureRatio);
  if (ratio > 1) throw new ConfigError(`${key}.maxFailureRatio`, `${ratio} is above 1`, `set a ratio 0–1, e.g. ${d.maxFailureRatio}`);
  return {
    metricsUrl: optionalUrl(`${key}.metricsUrl`, raw.metricsUrl, metricsUrl, "http", "full"),
    windowMs: positiveInt(key, raw, d, "windowMs"),
    deadlineMs: positiveInt(key, raw, d, "deadlineMs"),
    requestTimeoutMs: positiveInt(key, raw, d, "requestTimeoutMs"),
    metric: optionalString(`${key}.metric`, raw.metric, d.metric),
    label: optionalString(`${key}.label`, raw.label, d.label),
    successValue: optionalString(`${key}.successValue`, raw.successValue, d.successValue),
    failedValue: optionalString(`${key}.failedValue`, raw.failedValue, d.failedValue),
    minPerMinute: optionalNumber(`${key}.minPerMinute`, raw.minPerMinute, d.minPerMinute),
    maxFailureRatio: ratio,
    noTraffic: oneOf(`${key}.noTraffic`, raw.noTraffic, ["fail", "warn"] as const, d.noTraffic),
    minSends: positiveInt(key, raw, d, "minSends"),
  };
}

function parseQueues(value: unknown): QueuesConfig {
  const key = "checks.queues";
  const d = CHECKS_DEFAULTS.queues;
  const raw = section(key, value, ["names", "prefix", "intervalMs", "deadlineMs", "maxFailed", "connectTimeoutMs"]);
  const names = raw.names === undefined ? d.names : raw.names;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string" || n.trim() === "")) {
    throw new ConfigError(
      `${key}.names`,
      `${JSON.stringify(raw.names)} is not a non-empty list of queue names`,
      `set e.g. ${JSON.stringify(d.names)}`,
    );
  }
  return {
    names: names as string[],
    prefix: optionalString(`${key}.prefix`, raw.prefix, d.prefix),
    intervalMs: positiveInt(key, raw, d, "intervalMs"),
    deadlineMs: positiveInt(key, raw, d, "deadlineMs"),
    maxFailed: optionalNumber(`${key}.maxFailed`, raw.maxFailed, d.maxFailed, { integer: true }),
    connectTimeoutMs: positiveInt(key, raw, d, "connectTimeoutMs"),
  };
}

function parseQr(value: unknown): QrConfig {
  const key = "checks.qr";
  const d = CHECKS_DEFAULTS.qr;
  const raw = section(key, value, ["sessionId", "attempts", "attemptTimeoutMs", "deadlineMs", "requestTimeoutMs", "logLines"]);
  return {
    sessionId: optionalString(`${key}.sessionId`, raw.sessionId, d.sessionId),
    attempts: positiveInt(key, raw, d, "attempts"),
    attemptTimeoutMs: positiveInt(key, raw, d, "attemptTimeoutMs"),
    deadlineMs: positiveInt(key, raw, d, "deadlineMs"),
    requestTimeoutMs: positiveInt(key, raw, d, "requestTimeoutMs"),
    logLines: positiveInt(key, raw, d, "logLines"),
  };
}

function section(key: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  return optionalSection(key, value, known, `{"${known[0]}": …} or leave it out for the defaults`);
}
