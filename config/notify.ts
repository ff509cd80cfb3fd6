/**
 * Who is told what, and through which transport. Read by every role: the drill escalates, the restore
 * test reports failures, the app stack announces rollbacks. Transport secrets (webhook URL, SMTP
 * credentials) are not here: they are Pulumi secrets, read in config/index.ts.
 */
import {
  ConfigError,
  isObject,
  MAX_TIMER_MS,
  optionalBoolean,
  optionalMs,
  optionalNumber,
  optionalSection,
  optionalString,
  optionalUrl,
  rejectUnknownKeys,
} from "./fields";
import type { ChecksConfig } from "./checks";
import { REPORTS_DIR } from "./shared";

export const NOTICE_KINDS = ["preNotice", "drillResult", "escalation", "restoreFailure", "rollback"] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  readonly from: string;
}

export interface NotifyConfig {
  /** Contact name → e-mail address. The runbook's contacts are the defaults. */
  readonly contacts: Readonly<Record<string, string>>;
  /** Notice kind → contact names that receive it by e-mail. */
  readonly routes: Readonly<Record<NoticeKind, readonly string[]>>;
  /** Absent: no e-mail is sent (the webhook alone is used). */
  readonly smtp?: SmtpSettings;
  /** Bound on each delivery (webhook request, SMTP session). */
  readonly timeoutMs: number;
}

export const NOTIFY_DEFAULTS = {
  contacts: { lead: "lead.engineer@laptoppro.my", oncall: "oncall@laptoppro.my", security: "security@laptoppro.my" },
  routes: {
    preNotice: ["oncall", "lead"],
    drillResult: ["oncall", "lead"],
    escalation: ["lead", "oncall"],
    restoreFailure: ["oncall", "lead"],
    rollback: ["lead", "oncall", "security"],
  },
  smtpPort: 587,
  smtpSecure: false,
  from: "spec1-ops@laptoppro.my",
  timeoutMs: 10000,
} as const;

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function parseContacts(value: unknown): Record<string, string> {
  if (value === undefined) return { ...NOTIFY_DEFAULTS.contacts };
  if (!isObject(value)) throw new ConfigError("notify.contacts", "is not an object", 'set e.g. {"lead": "lead.engineer@laptoppro.my"}');
  const contacts: Record<string, string> = {};
  for (const [name, address] of Object.entries(value)) {
    if (typeof address !== "string" || !EMAIL.test(address)) {
      throw new ConfigError(
        `notify.contacts.${name}`,
        `${JSON.stringify(address)} is not an e-mail address`,
        "set e.g. oncall@laptoppro.my",
      );
    }
    contacts[name] = address;
  }
  return contacts;
}

function parseRoutes(value: unknown, contacts: Record<string, string>): Record<NoticeKind, string[]> {
  const raw = optionalSection("notify.routes", value, NOTICE_KINDS, '{"escalation": ["lead"]}');
  const routes = {} as Record<NoticeKind, string[]>;
  for (const kind of NOTICE_KINDS) {
    const names = raw[kind] ?? NOTIFY_DEFAULTS.routes[kind];
    if (!Array.isArray(names))
      throw new ConfigError(
        `notify.routes.${kind}`,
        "is not a list of contact names",
        `use names of notify.contacts: ${Object.keys(contacts).join(", ")}`,
      );
    for (const name of names) {
      if (typeof name !== "string" || !(name in contacts)) {
        throw new ConfigError(
          `notify.routes.${kind}`,
          `${JSON.stringify(name)} is not a contact`,
          `use names of notify.contacts: ${Object.keys(contacts).join(", ")}`,
        );
      }
    }
    routes[kind] = names as string[];
  }
  return routes;
}

function parseSmtp(value: unknown): SmtpSettings | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ConfigError("notify.smtp", "is not an object", 'set e.g. {"host": "smtp.laptoppro.my"}');
  rejectUnknownKeys("notify.smtp", value, ["host", "port", "secure", "from"]);
  if (typeof value.host !== "string" || value.host.trim() === "") {
    throw new ConfigError("notify.smtp.host", "is not set", "set the SMTP relay host, e.g. smtp.laptoppro.my");
  }
  const from = optionalString("notify.smtp.from", value.from, NOTIFY_DEFAULTS.from);
  if (!EMAIL.test(from))
    throw new ConfigError("notify.smtp.from", `"${from}" is not an e-mail address`, `set e.g. ${NOTIFY_DEFAULTS.from}`);
  return {
    host: value.host,
    port: optionalNumber("notify.smtp.port", value.port, NOTIFY_DEFAULTS.smtpPort, { min: 1, integer: true }),
    secure: optionalBoolean("notify.smtp.secure", value.secure, NOTIFY_DEFAULTS.smtpSecure),
    from,
  };
}

export function parseNotifyConfig(value: unknown): NotifyConfig {
  const raw = optionalSection("notify", value, ["contacts", "routes", "smtp", "timeoutMs"], '{"smtp": {"host": "smtp.laptoppro.my"}}');
  const contacts = parseContacts(raw.contacts);
  return {
    contacts,
    routes: parseRoutes(raw.routes, contacts),
    smtp: parseSmtp(raw.smtp),
    timeoutMs: optionalMs("notify.timeoutMs", raw.timeoutMs, NOTIFY_DEFAULTS.timeoutMs),
  };
}

/** The incident tracker: a generic JSON webhook shaped like GitHub's issues API. */
export interface TrackerConfig {
  /** e.g. https://api.github.com/repos/laptoppro/spec1-incidents/issues */
  readonly url: string;
  readonly labels: readonly string[];
  /** An incident already open: it is tagged and commented instead of opening a new one. */
  readonly incident?: string;
}

export interface RollbackConfig {
  /** Absent: no incident is opened (the notice and the post-mortem skeleton still are). */
  readonly tracker?: TrackerConfig;
  /** Where the post-mortem skeleton is written, beside the other reports. */
  readonly reportsDir: string;
  /** How long the notice waits for the checks' verdicts; absent: checksWaitMs() of the checks config. */
  readonly checksWaitMs?: number;
}

/** Room for pulumi-docker to replace a container (delete, create, start) before its checks begin. */
const CONTAINER_REPLACE_MS = 60000;

export const ROLLBACK_DEFAULTS = { labels: ["incident", "rollback"], reportsDir: REPORTS_DIR } as const;

/** The notice's wait: configured, or the longest check (its deadline plus one request or measurement past it) plus a replacement. */
export function checksWaitMs(rollback: RollbackConfig, checks: ChecksConfig): number {
  if (rollback.checksWaitMs !== undefined) return rollback.checksWaitMs;
  const longest = Math.max(
    checks.health.deadlineMs + checks.health.requestTimeoutMs,
    checks.web.deadlineMs + checks.web.requestTimeoutMs,
    checks.sendRate.deadlineMs + checks.sendRate.windowMs + checks.sendRate.requestTimeoutMs,
    checks.queues.deadlineMs + checks.queues.connectTimeoutMs,
    checks.qr.deadlineMs + checks.qr.requestTimeoutMs,
  );
  return Math.min(longest + CONTAINER_REPLACE_MS, MAX_TIMER_MS);
}

function parseTracker(value: unknown): TrackerConfig | undefined {
  if (value === undefined) return undefined;
  const fix = 'set e.g. {"url": "https://api.github.com/repos/<owner>/<repo>/issues"}';
  if (!isObject(value)) throw new ConfigError("rollback.tracker", "is not an object", fix);
  rejectUnknownKeys("rollback.tracker", value, ["url", "labels", "incident"]);
  const url = optionalUrl("rollback.tracker.url", value.url, undefined, "http", "base");
  const labels = value.labels ?? ROLLBACK_DEFAULTS.labels;
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== "string" || l === "")) {
    throw new ConfigError(
      "rollback.tracker.labels",
      "is not a list of label names",
      `set e.g. ${JSON.stringify(ROLLBACK_DEFAULTS.labels)}`,
    );
  }
  const incident = value.incident === undefined ? undefined : String(value.incident);
  if (incident !== undefined && !/^[A-Za-z0-9_-]+$/.test(incident))
    throw new ConfigError(
      "rollback.tracker.incident",
      `${JSON.stringify(value.incident)} is not an incident number or id`,
      "set e.g. 42, or leave it out to open a new incident",
    );
  return { url, labels: labels as string[], incident };
}

export function parseRollbackConfig(value: unknown): RollbackConfig {
  const raw = optionalSection(
    "rollback",
    value,
    ["tracker", "reportsDir", "checksWaitMs"],
    '{"tracker": {"url": "https://api.github.com/repos/<owner>/<repo>/issues"}}',
  );
  return {
    tracker: parseTracker(raw.tracker),
    reportsDir: optionalString("rollback.reportsDir", raw.reportsDir, ROLLBACK_DEFAULTS.reportsDir),
    checksWaitMs: raw.checksWaitMs === undefined ? undefined : optionalMs("rollback.checksWaitMs", raw.checksWaitMs, 600000),
  };
}
