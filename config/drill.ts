/**
 * The weekly QR re-login drill's config (`spec1:drill`, one object). Secrets — the product's Redis URL
 * and the gateway token — are not here: config/index.ts reads them with requireSecret.
 */
import { malaysiaDate } from "../lib/time";
import {
  ConfigError,
  isObject,
  optionalMs,
  optionalNumber,
  optionalSection,
  optionalString,
  optionalUrl,
  rejectUnknownKeys,
} from "./fields";
import { BULLMQ_PREFIX, GATEWAY_DEFAULTS, REPORTS_DIR } from "./shared";

export interface TestMessageConfig {
  /** Chat the test message is sent to, e.g. the ops group's WhatsApp id. */
  readonly chatId: string;
  /** Session that sends it; default: the first drilled session that reached `open`. */
  readonly session?: string;
  /** Text of the message; the drill's run id is appended so the confirmation finds this very message. */
  readonly text: string;
  /** API endpoint listing the chat console's recent messages (JSON), polled until the message shows up. */
  readonly confirmUrl: string;
  readonly confirmTimeoutMs: number;
}

/** Where the drill page (drill/page.ts) listens while a session waits for its scan. */
export interface DrillPageConfig {
  /** A loopback address: the page is reached on the runner itself, or through `ssh -L`. */
  readonly host: string;
  /** 0 = a free port chosen per session. */
  readonly port: number;
}

export interface DrillConfig {
  /** Gateway HTTP base, port 4001 in the runbook. */
  readonly gatewayUrl: string;
  /** Gateway WebSocket stream, port 4002 in the runbook. */
  readonly gatewayWsUrl: string;
  /** Sessions to drill; absent: the gateway's active sessions (`GET /sessions`, read-only, also in preview). */
  readonly sessions?: readonly string[];
  /** BullMQ queues of outbound automation, paused during the drill. */
  readonly queues: readonly string[];
  readonly queuePrefix: string;
  /** QR steps per session before escalating (runbook: 3). */
  readonly qrAttempts: number;
  /** Bound on the QR appearing after connect, per attempt. */
  readonly qrTimeoutMs: number;
  /** Bound on `open` after the QR is shown: a person is scanning, so minutes. */
  readonly openTimeoutMs: number;
  /** Bound on each HTTP request to the gateway or the API. */
  readonly requestTimeoutMs: number;
  /** Gateway log lines attached to an escalation. */
  readonly logLines: number;
  readonly testMessage: TestMessageConfig;
  /** Where the ops-log entry is written. */
  readonly reportsDir: string;
  readonly page: DrillPageConfig;
  /** Changing it re-runs the drill; default: today's date in Malaysia time, so one `up` per day drills. */
  readonly runId: string;
}

export const DRILL_DEFAULTS = {
  gatewayUrl: GATEWAY_DEFAULTS.httpUrl,
  gatewayWsUrl: GATEWAY_DEFAULTS.wsUrl,
  queuePrefix: BULLMQ_PREFIX,
  qrAttempts: 3,
  qrTimeoutMs: 60_000,
  openTimeoutMs: 300_000,
  requestTimeoutMs: 10_000,
  logLines: 200,
  testText: "SPEC-1 weekly QR drill test message",
  confirmTimeoutMs: 60_000,
  reportsDir: REPORTS_DIR,
  pageHost: "127.0.0.1",
  pagePort: 0,
} as const;

const KEYS = [
  "gatewayUrl",
  "gatewayWsUrl",
  "sessions",
  "queues",
  "queuePrefix",
  "qrAttempts",
  "qrTimeoutMs",
  "openTimeoutMs",
  "requestTimeoutMs",
  "logLines",
  "testMessage",
  "reportsDir",
  "runId",
  "page",
];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@+-]*$/;

/**
 * Why `value` cannot name a session or queue (undefined when it can): the rule for the config and for
 * the gateway's own session list alike. A session also names a Pulumi resource, whose URN separates
 * its parts with `::`.
 */
export function nameProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || !NAME.test(value)) return `${JSON.stringify(value)} is not a name (letters, digits, _ . : @ + -)`;
  if (value.includes("::")) return `${JSON.stringify(value)} contains "::", which separates the parts of a Pulumi URN`;
  return undefined;
}

function nameList(key: string, value: unknown, example: string): string[] {
  const fix = `set a list, e.g. ["${example}"]`;
  if (!Array.isArray(value) || value.length === 0) throw new ConfigError(key, "is not a non-empty list", fix);
  for (const v of value) {
    const problem = nameProblem(v);
    if (problem) throw new ConfigError(key, problem, fix);
  }
  if (new Set(value).size !== value.length) throw new ConfigError(key, "lists a name twice", "list each once");
  return value as string[];
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

function parsePage(value: unknown): DrillPageConfig {
  const raw = optionalSection("drill.page", value, ["host", "port"], '{"host": "127.0.0.1", "port": 8765}');
  const host = optionalString("drill.page.host", raw.host, DRILL_DEFAULTS.pageHost);
  if (!LOOPBACK.test(host))
    throw new ConfigError(
      "drill.page.host",
      `${JSON.stringify(host)} is not a loopback address`,
      'set "127.0.0.1" (or "::1"); reach it with ssh -L',
    );
  const port = optionalNumber("drill.page.port", raw.port, DRILL_DEFAULTS.pagePort, { min: 0, integer: true });
  if (port > 65535) throw new ConfigError("drill.page.port", `${port} is above 65535`, "set a port 1-65535, or 0 for a free one");
  return { host, port };
}

function parseTestMessage(value: unknown): TestMessageConfig {
  const fix = 'set e.g. {"chatId": "60123456789@s.whatsapp.net", "confirmUrl": "https://whatsappbot.laptoppro.my/api/messages/recent"}';
  if (!isObject(value)) throw new ConfigError("drill.testMessage", "is not set", fix);
  rejectUnknownKeys("drill.testMessage", value, ["chatId", "session", "text", "confirmUrl", "confirmTimeoutMs"]);
  if (typeof value.chatId !== "string" || value.chatId.trim() === "")
    throw new ConfigError("drill.testMessage.chatId", "is not set", "set the test chat's WhatsApp id, e.g. 60123456789@s.whatsapp.net");
  if (value.session !== undefined && nameProblem(value.session)) {
    throw new ConfigError(
      "drill.testMessage.session",
      `${JSON.stringify(value.session)} is not a session id`,
      "set a drilled session's id or leave it out",
    );
  }
  return {
    chatId: value.chatId,
    session: value.session as string | undefined,
    text: optionalString("drill.testMessage.text", value.text, DRILL_DEFAULTS.testText),
    confirmUrl: optionalUrl("drill.testMessage.confirmUrl", value.confirmUrl, undefined, "http", "full"),
    confirmTimeoutMs: optionalMs("drill.testMessage.confirmTimeoutMs", value.confirmTimeoutMs, DRILL_DEFAULTS.confirmTimeoutMs),
  };
}

export function parseDrillConfig(value: unknown, now: Date): DrillConfig {
  if (!isObject(value))
    throw new ConfigError("drill", "is not set", 'set at least {"queues": [...], "testMessage": {...}} (see docs/drill.md)');
  rejectUnknownKeys("drill", value, KEYS);
  const positive = (key: string, fallback: number) =>
    key.endsWith("Ms")
      ? optionalMs(`drill.${key}`, value[key], fallback)
      : optionalNumber(`drill.${key}`, value[key], fallback, { min: 1, integer: true });
  return {
    gatewayUrl: optionalUrl("drill.gatewayUrl", value.gatewayUrl, DRILL_DEFAULTS.gatewayUrl, "http", "base"),
    gatewayWsUrl: optionalUrl("drill.gatewayWsUrl", value.gatewayWsUrl, DRILL_DEFAULTS.gatewayWsUrl, "ws", "full"),
    sessions: value.sessions === undefined ? undefined : nameList("drill.sessions", value.sessions, "sales-1"),
    queues: nameList("drill.queues", value.queues, "outbound"),
    queuePrefix: optionalString("drill.queuePrefix", value.queuePrefix, DRILL_DEFAULTS.queuePrefix),
    qrAttempts: positive("qrAttempts", DRILL_DEFAULTS.qrAttempts),
    qrTimeoutMs: positive("qrTimeoutMs", DRILL_DEFAULTS.qrTimeoutMs),
    openTimeoutMs: positive("openTimeoutMs", DRILL_DEFAULTS.openTimeoutMs),
    requestTimeoutMs: positive("requestTimeoutMs", DRILL_DEFAULTS.requestTimeoutMs),
    logLines: positive("logLines", DRILL_DEFAULTS.logLines),
    testMessage: parseTestMessage(value.testMessage),
    reportsDir: optionalString("drill.reportsDir", value.reportsDir, DRILL_DEFAULTS.reportsDir),
    page: parsePage(value.page),
    runId: optionalString("drill.runId", typeof value.runId === "number" ? String(value.runId) : value.runId, malaysiaDate(now)),
  };
}
