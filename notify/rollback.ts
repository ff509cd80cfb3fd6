/**
 * What follows an image change (runbook §3 "Post-Rollback"), told as it is (notify/rollbackEvent.ts): a
 * rollback or a release, whose post-deploy checks passed, failed, or gave no verdict. A rollback opens
 * (or comments) an incident and gets a post-mortem skeleton whatever its outcome; a failure notice
 * carries the failing check's message and the next steps. `fileIncident` is the one call to the tracker (a generic JSON
 * webhook shaped like GitHub's issues API: POST {title, body, labels}; tagging an open incident: POST
 * …/<n>/labels and …/<n>/comments).
 */
import type { NotifyConfig, RollbackConfig, TrackerConfig } from "../config/notify";
import { awaitOutcomes, CheckRunKey } from "../lib/checkOutcomes";
import { excerpt, requestOk } from "../lib/http";
import type { Log } from "../lib/log";
import { entryTimestamp, writeOpsLogEntry } from "../lib/opsLog";
import { redact, redactDeep } from "../lib/redact";
import { ChangeKind, changeKind, changeSummary, ImageChange, ImageRef, imageChanges, recordTags, TagHistory } from "./imageChanges";
import { withoutNextSteps } from "./nextSteps";
import { describeDeliveries, NotifyCredentials, sendNotice } from "./notifier";
import {
  CheckReport,
  CheckWatch,
  eventNotice,
  eventTitle,
  incidentBody,
  Outcome,
  postMortemMarkdown,
  RollbackEvent,
} from "./rollbackEvent";

/** Opens an incident, or tags and comments an open one. Never throws: the change already happened. */
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
      const comment = await post(`${base}/comments`, { body: `**${eventTitle(event)}**\n\n${body}` });
      return { incident: { id: tracker.incident, url: String(comment.html_url ?? base) } };
    }
    const created = await post(tracker.url, { title: eventTitle(event), body, labels: tracker.labels });
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
  /** The checks to wait for: the notice does not depend on their success, so it hears a failure too. */
  readonly watch: CheckWatch;
  readonly rollback: RollbackConfig;
  readonly notify: NotifyConfig;
  /** Webhook URL and SMTP credentials. Secret. */
  readonly notifyCredentials: NotifyCredentials;
  /** Bearer token of the tracker (e.g. a GitHub token with issues:write); empty when none. Secret. */
  readonly trackerToken: string;
}

export interface LastChange {
  readonly at: string;
  readonly kind: ChangeKind;
  readonly outcome: Outcome;
  readonly changes: readonly ImageChange[];
  /** Per affected check: its verdict (undefined: none) and, when it failed, why. */
  readonly checks: Readonly<Record<string, { passed?: boolean; message?: string }>>;
  /** The incident's URL, empty when none was filed. */
  readonly incident: string;
  readonly incidentId?: string;
  readonly postMortem: string;
  readonly notified: string;
}

/** What the notice remembers between updates: the images it last announced, the tags seen, the last change. */
export interface NoticeState {
  readonly images: Record<string, ImageRef>;
  readonly history?: TagHistory;
  readonly lastChange?: LastChange;
}

/**
 * A change whose checks failed or gave no verdict: the next up verifies it again. (A last change recorded
 * before outcomes existed was announced after its checks passed.)
 */
export function pendingChange(olds: NoticeState): LastChange | undefined {
  const outcome = olds.lastChange?.outcome;
  return outcome === "failed" || outcome === "unknown" ? olds.lastChange : undefined;
}

/** The checks an image change re-runs (those verifying a changed service), keyed as the checks report themselves. */
function affectedChecks(watch: CheckWatch, services: readonly string[], images: Record<string, ImageRef>): CheckRunKey[] {
  return Object.entries(watch.verifies)
    .filter(([, verified]) => verified.some((s) => services.includes(s)))
    .map(([kind, verified]) => ({ kind, runId: watch.runId, images: Object.fromEntries(verified.map((s) => [s, images[s].digest])) }));
}

/**
 * Waits for the verdicts of the checks this change re-runs, then announces it as what it is. Never
 * throws: the change itself has happened; a notice or tracker problem is a warning.
 */
export async function announceImageChange(
  olds: NoticeState,
  news: NoticeInputs,
  log: Log,
): Promise<{ history: TagHistory; lastChange: LastChange }> {
  const history = olds.history ?? recordTags({}, olds.images);
  const fresh = imageChanges(olds.images, news.images, history);
  const pending = fresh.length === 0 ? pendingChange(olds) : undefined;
  const changes = pending?.changes ?? fresh;
  const affected = affectedChecks(
    news.watch,
    changes.map((c) => c.service),
    news.images,
  );
  // A retry waits only for the checks that did not pass: the engine re-runs only those.
  const awaited = pending ? affected.filter((k) => pending.checks[k.kind]?.passed !== true) : affected;
  log.info(
    `image change ${changeSummary(changes)}: waiting for ${awaited.map((k) => k.kind).join(", ") || "no check"} (at most ${Math.round(news.watch.waitMs / 1000)}s)`,
  );
  const verdicts = await awaitOutcomes(awaited, news.watch.waitMs, (left) =>
    log.info(`image change: still waiting for ${left.join(", ")}`),
  );
  // The checks' words quote peers (health bodies, gateway answers); their own next steps give way to the notice's.
  const secrets = [news.trackerToken, news.notifyCredentials];
  const checks = redactDeep(
    Object.fromEntries(
      [...verdicts].map(([kind, o]): [string, CheckReport] => [
        kind,
        o === undefined ? {} : o.passed ? { passed: true, result: o.result } : { passed: false, message: withoutNextSteps(o.message) },
      ]),
    ),
    secrets,
  );
  const reports = Object.values(checks);
  const outcome: Outcome = reports.some((r) => r.passed === false) ? "failed" : reports.every((r) => r.passed) ? "passed" : "unknown";
  const kind = changeKind(changes);
  const at = new Date();
  let event: RollbackEvent = {
    stack: news.stack,
    at: at.toISOString(),
    kind,
    outcome,
    retry: pending !== undefined,
    changes,
    checks,
    waitMs: news.watch.waitMs,
    history,
  };
  let postMortem = "";
  if (kind === "rollback") {
    if (news.rollback.tracker) {
      // A retry reports on the incident its first attempt opened.
      const tracker =
        pending?.incidentId && !news.rollback.tracker.incident
          ? { ...news.rollback.tracker, incident: pending.incidentId }
          : news.rollback.tracker;
      const filed = await fileIncident(tracker, news.trackerToken || undefined, event, news.notify.timeoutMs);
      event = { ...event, incident: filed.incident, incidentError: filed.error };
    }
    postMortem = writeOpsLogEntry(
      news.rollback.reportsDir,
      `postmortem-${news.stack}-${entryTimestamp(at)}`,
      postMortemMarkdown(event),
      event,
    ).markdownPath;
    event = { ...event, postMortemPath: postMortem };
  }
  const notified = describeDeliveries(await sendNotice(news.notify, news.notifyCredentials, eventNotice(event), [news.trackerToken]));
  const trouble = outcome !== "passed" || event.incidentError || notified.includes("FAILED") || notified.startsWith("no transport");
  const incident =
    kind === "rollback"
      ? `; incident ${event.incident?.url ?? `not filed (${event.incidentError ?? "no tracker configured"})`}; post-mortem ${postMortem}`
      : "";
  (trouble ? log.warn : log.info)(redact(`${eventTitle(event)}${incident}; notice ${notified}`, secrets));
  const lastChange: LastChange = {
    at: event.at,
    kind,
    outcome,
    changes,
    checks: Object.fromEntries(
      Object.entries(checks).map(([k, r]) => [
        k,
        r.passed === false ? { passed: false, message: excerpt(r.message ?? "", 600) } : { passed: r.passed },
      ]),
    ),
    incident: event.incident?.url ?? "",
    incidentId: event.incident?.id ?? pending?.incidentId,
    postMortem,
    notified,
  };
  return { history: recordTags(history, news.images), lastChange };
}
