/**
 * What follows a rollback (runbook §3 "Post-Rollback"): the from→to tag of each changed service, the
 * post-deploy check results, the incident in the tracker and a post-mortem skeleton. Pure functions,
 * except `fileIncident`, the one call to the tracker (a generic JSON webhook in the shape of GitHub's
 * issues API: POST {title, body, labels}; tagging an open incident: POST …/<n>/labels and …/<n>/comments).
 */
import type { NotifyConfig, RollbackConfig, TrackerConfig } from "../config/notify";
import { excerpt, requestOk } from "../lib/http";
import type { Log } from "../lib/log";
import { redact, redactDeep } from "../lib/redact";
import { entryTimestamp, markdownCode, markdownTable, writeOpsLogEntry } from "../lib/opsLog";
import type { Notice } from "./message";
import { describeDeliveries, NotifyCredentials, sendNotice } from "./notifier";

export interface ImageRef {
  readonly reference: string;
  readonly digest: string;
}

export interface ImageChange {
  readonly service: string;
  readonly from: string;
  readonly to: string;
  readonly fromDigest: string;
  readonly toDigest: string;
}

/** The tag of `<repository>:<tag>[@sha256:…]`, or the whole reference when it has none. */
export function tagOf(reference: string): string {
  const withoutDigest = reference.split("@")[0];
  const colon = withoutDigest.lastIndexOf(":");
  return colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(colon + 1) : reference;
}

export function imageChanges(olds: Record<string, ImageRef>, news: Record<string, ImageRef>): ImageChange[] {
  return Object.keys(news)
    .sort()
    .filter((s) => olds[s]?.reference !== news[s].reference || olds[s]?.digest !== news[s].digest)
    .map((s) => ({
      service: s,
      from: olds[s] ? tagOf(olds[s].reference) : "(new)",
      to: tagOf(news[s].reference),
      fromDigest: olds[s]?.digest ?? "",
      toDigest: news[s].digest,
    }));
}

export function changeSummary(changes: readonly ImageChange[]): string {
  return changes.map((c) => `${c.service} ${c.from} → ${c.to}${c.from === c.to ? " (re-pushed tag, new digest)" : ""}`).join(", ");
}

/** One line per check: its name and what it measured. */
export function checkLines(checks: Record<string, unknown>): string[] {
  return Object.entries(checks).map(([name, result]) => `${name}: ${excerpt(JSON.stringify(result), 240)}`);
}

export interface RollbackEvent {
  readonly stack: string;
  readonly at: string;
  readonly changes: readonly ImageChange[];
  readonly checks: Record<string, unknown>;
  readonly incident?: { url: string; id: string };
  readonly incidentError?: string;
  readonly postMortemPath?: string;
}

export function rollbackNotice(e: RollbackEvent): Notice {
  const incident = e.incident
    ? `Incident: ${e.incident.url}`
    : `Incident: not filed${e.incidentError ? ` (${e.incidentError})` : " (no tracker configured)"}`;
  return {
    kind: "rollback",
    subject: `Rollback on ${e.stack}: ${changeSummary(e.changes)}`,
    lines: [
      ...e.changes.map((c) => `${c.service}: ${c.from} → ${c.to} (${c.toDigest})`),
      "Post-deploy checks passed:",
      ...checkLines(e.checks).map((l) => `  ${l}`),
      incident,
      `Post-mortem skeleton: ${e.postMortemPath ?? "not written"} — schedule the post-mortem.`,
    ],
  };
}

export function incidentBody(e: RollbackEvent): string {
  return [
    `Rollback of stack \`${e.stack}\` at ${e.at}.`,
    "",
    markdownTable(
      ["service", "from", "to", "running digest"],
      e.changes.map((c) => [c.service, c.from, c.to, c.toDigest]),
    ),
    "",
    "Post-deploy checks passed:",
    "",
    markdownCode(checkLines(e.checks).join("\n")),
  ].join("\n");
}

export function postMortemMarkdown(e: RollbackEvent): string {
  return [
    `# Post-mortem: rollback of ${e.stack} (${e.at})`,
    "",
    "Status: **draft — schedule the review** (runbook §3, Post-Rollback).",
    "",
    "## Timeline (UTC)",
    "",
    "| time | event |",
    "| --- | --- |",
    "| _fill in_ | first sign of the problem (alert, report) |",
    "| _fill in_ | decision to roll back |",
    `| ${e.at} | rollback applied by \`pulumi up\`; post-deploy checks passed |`,
    "",
    "## Tags",
    "",
    markdownTable(
      ["service", "from", "to", "from digest", "to digest"],
      e.changes.map((c) => [c.service, c.from, c.to, c.fromDigest, c.toDigest]),
    ),
    "",
    "## Check outputs",
    "",
    markdownCode(JSON.stringify(e.checks, null, 2)),
    "",
    "## Links",
    "",
    `- Incident: ${e.incident?.url ?? "not filed"}`,
    "",
    "## Impact",
    "",
    "_Who was affected, for how long, messages delayed or lost._",
    "",
    "## Root cause",
    "",
    "_What in the rolled-back release caused it._",
    "",
    "## Actions",
    "",
    "- [ ] _fix, owner, due date_",
  ].join("\n");
}

/** Opens an incident, or tags and comments the configured one. Never throws: the rollback already happened. */
export async function fileIncident(
  tracker: TrackerConfig,
  token: string | undefined,
  event: RollbackEvent,
  timeoutMs: number,
): Promise<{ incident?: { url: string; id: string }; error?: string }> {
  const headers: Record<string, string> = { accept: "application/vnd.github+json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const post = async (url: string, json: unknown) => {
    const res = await requestOk("the tracker", url, { method: "POST", json, headers, timeoutMs, excerptChars: 160 });
    return res.body ? JSON.parse(res.body) : {};
  };
  const body = incidentBody(event);
  try {
    if (tracker.incident) {
      const base = `${tracker.url}/${tracker.incident}`;
      await post(`${base}/labels`, { labels: tracker.labels });
      const comment = await post(`${base}/comments`, { body });
      return { incident: { id: tracker.incident, url: String(comment.html_url ?? base) } };
    }
    const created = await post(tracker.url, {
      title: `Rollback on ${event.stack}: ${changeSummary(event.changes)}`,
      body,
      labels: tracker.labels,
    });
    const id = String(created.number ?? created.id ?? "");
    return { incident: { id, url: String(created.html_url ?? created.url ?? `${tracker.url}/${id}`) } };
  } catch (err) {
    // An answer that is not JSON is the tracker's fault too: its own words, not a stack trace. A tracker
    // that echoes the request (its token, a URL with a password) is redacted here, before any log or report.
    const message = (err as Error).name === "HttpCallError" ? (err as Error).message : `the tracker: ${(err as Error).message}`;
    return { error: redact(message, [token]) };
  }
}

export interface NoticeInputs {
  readonly stack: string;
  /** The running images (AppServices.images). */
  readonly images: Record<string, ImageRef>;
  /** What each post-deploy check measured (PostDeployChecks.results): also makes the notice wait for them. */
  readonly checks: Record<string, unknown>;
  readonly rollback: RollbackConfig;
  readonly notify: NotifyConfig;
  /** Webhook URL and SMTP credentials. Secret. */
  readonly notifyCredentials: NotifyCredentials;
  /** Bearer token of the tracker (e.g. a GitHub token with issues:write); empty when none. Secret. */
  readonly trackerToken: string;
}

export interface LastChange {
  readonly at: string;
  readonly changes: ImageChange[];
  /** The incident's URL, empty when none was filed. */
  readonly incident: string;
  readonly postMortem: string;
  readonly notified: string;
}

/**
 * After an image change whose checks passed: the incident filed (or tagged), the post-mortem skeleton
 * written, the stakeholders told. Never throws: the change itself has happened, a notice or tracker
 * problem is a warning.
 */
export async function announceImageChange(olds: Record<string, ImageRef>, news: NoticeInputs, log: Log): Promise<LastChange> {
  const at = new Date();
  const secrets = [news.trackerToken, news.notifyCredentials];
  const changes = imageChanges(olds, news.images);
  // Check results quote peers (health bodies, gateway answers): redacted before they reach a report or a notice.
  let event: RollbackEvent = { stack: news.stack, at: at.toISOString(), changes, checks: redactDeep(news.checks, secrets) };
  if (news.rollback.tracker) {
    const filed = await fileIncident(news.rollback.tracker, news.trackerToken || undefined, event, news.notify.timeoutMs);
    event = { ...event, incident: filed.incident, incidentError: filed.error };
  }
  const files = writeOpsLogEntry(
    news.rollback.reportsDir,
    `postmortem-${news.stack}-${entryTimestamp(at)}`,
    postMortemMarkdown(event),
    event,
  );
  event = { ...event, postMortemPath: files.markdownPath };
  const notified = describeDeliveries(await sendNotice(news.notify, news.notifyCredentials, rollbackNotice(event), [news.trackerToken]));
  const incident = event.incident?.url ?? `not filed (${event.incidentError ?? "no tracker configured"})`;
  const trouble = event.incidentError || notified.includes("FAILED") || notified.startsWith("no transport");
  const line = redact(
    `rollback notice: ${changes.map((c) => `${c.service} ${c.from}→${c.to}`).join(", ")}; incident ${incident}; post-mortem ${files.markdownPath}; notice ${notified}`,
    secrets,
  );
  (trouble ? log.warn : log.info)(line);
  return { at: event.at, changes, incident: event.incident?.url ?? "", postMortem: files.markdownPath, notified };
}
