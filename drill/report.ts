/**
 * What a drill found, as data (the ops-log JSON), as Markdown (the ops-log entry), as notices (the
 * escalation for a session that never opened, the result for the operations group) and as the error
 * that fails `pulumi up` listing every session's outcome. Pure functions: tested directly.
 */
import { malaysiaDateTime } from "../lib/time";
import { markdownCode, markdownTable } from "../lib/opsLog";
import type { Notice } from "../notify/message";
import type { PauseResult } from "./queues";
import type { ReloginReport } from "./relogin";
import type { TestMessageReport } from "./testMessage";

export interface SessionOutcome extends ReloginReport {
  /** For a session that failed every attempt: how the escalation went out. */
  readonly escalation?: string;
}

export interface ResumeReport {
  readonly resumed: string[];
  /** Set when resuming failed: the queues are still paused. */
  readonly error?: string;
}

export interface DrillReport {
  readonly runId: string;
  readonly finishedAt: string;
  readonly pause: PauseResult;
  readonly resume: ResumeReport;
  readonly sessions: readonly SessionOutcome[];
  readonly testMessage: TestMessageReport;
}

export function drillFailures(r: DrillReport): string[] {
  const failures = r.sessions.filter((s) => !s.ok).map((s) => `session ${s.session}: ${s.result} after ${s.attempts.length} attempt(s)`);
  if (r.resume.error) failures.push(`queues still paused (${r.pause.pausedByDrill.join(", ")}): ${r.resume.error}`);
  if (!r.testMessage.ok) failures.push(`test message: ${r.testMessage.detail}`);
  return failures;
}

/** Every session's outcome, one line each: the body of the result notice and of the failing run's error. */
export function sessionLines(r: DrillReport): string[] {
  return r.sessions.map((s) => {
    const last = s.attempts[s.attempts.length - 1];
    const escalated = s.escalation ? `; escalated: ${s.escalation}` : "";
    return `${s.ok ? "OK  " : "FAIL"} ${s.session}: ${s.result} (attempt ${last?.attempt ?? 0}/${s.maxAttempts}: ${last?.detail ?? "not run"})${escalated}`;
  });
}

export function queueLines(r: DrillReport): string[] {
  const lines = [`paused by the drill: ${r.pause.pausedByDrill.join(", ") || "none"}`];
  if (r.pause.alreadyPaused.length > 0) lines.push(`already paused before the drill, left paused: ${r.pause.alreadyPaused.join(", ")}`);
  for (const [q, run] of Object.entries(r.pause.leftoverFrom))
    lines.push(`${q} was left paused by drill ${run} (interrupted); resumed now`);
  lines.push(
    r.resume.error
      ? `RESUME FAILED — resume by hand in the worker dashboard: ${r.resume.error}`
      : `resumed: ${r.resume.resumed.join(", ") || "none"}`,
  );
  return lines;
}

export function outcomeError(r: DrillReport): string {
  return [`QR drill ${r.runId} failed: ${drillFailures(r).join("; ")}`, ...sessionLines(r)].join("\n");
}

export function drillResultNotice(r: DrillReport): Notice {
  const failures = drillFailures(r);
  return {
    kind: "drillResult",
    subject: `QR drill ${r.runId}: ${failures.length === 0 ? "passed" : `FAILED (${failures.length} problem(s))`}`,
    lines: [...sessionLines(r), ...queueLines(r), `test message: ${r.testMessage.ok ? "OK" : "FAIL"} — ${r.testMessage.detail}`],
  };
}

export function escalationNotice(runId: string, s: ReloginReport, logLines: number, logs: string): Notice {
  return {
    kind: "escalation",
    subject: `QR drill ${runId}: session ${s.session} not re-linked after ${s.attempts.length} attempts (${s.result})`,
    lines: [
      `Runbook escalation: no working QR re-login for session ${s.session}. The other sessions continue; the drill resumes outbound automation after the last session (its result says whether it did).`,
      ...s.attempts.map(
        (a) => `attempt ${a.attempt}/${s.maxAttempts}: ${a.result}${a.qrsShown ? ` (${a.qrsShown} QR(s) shown)` : ""} — ${a.detail}`,
      ),
      `Last ${logLines} gateway log lines:`,
    ],
    block: logs,
  };
}

export function drillMarkdown(r: DrillReport): string {
  const failures = drillFailures(r);
  const attempts = r.sessions.flatMap((s) =>
    s.attempts.map((a) => [s.session, a.attempt, a.result, a.qrsShown, `${(a.ms / 1000).toFixed(1)}s`, a.detail]),
  );
  return [
    `# QR re-login drill ${r.runId}`,
    "",
    `Finished ${malaysiaDateTime(new Date(r.finishedAt))} (${r.finishedAt}). Result: **${failures.length === 0 ? "passed" : "FAILED"}**`,
    ...failures.map((f) => `- ${f}`),
    "",
    "## Sessions",
    "",
    markdownTable(
      ["session", "outcome", "attempts", "escalation"],
      r.sessions.map((s) => [s.session, s.ok ? "open" : s.result, s.attempts.length, s.escalation ?? ""]),
    ),
    "",
    "## Attempts",
    "",
    markdownTable(["session", "attempt", "result", "QRs shown", "time", "detail"], attempts),
    "",
    "## Outbound queues",
    "",
    ...queueLines(r).map((l) => `- ${l}`),
    "",
    "## Test message",
    "",
    markdownCode(JSON.stringify(r.testMessage, null, 2)),
  ].join("\n");
}
