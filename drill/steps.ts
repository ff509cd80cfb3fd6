/**
 * The drill's steps, each the body of one resource created in this order by components/qrDrill.ts:
 * pause → re-login (one per session, one after the other) → resume → test message → outcome. Only the
 * pause (nothing paused yet, or what it paused resumed) and the outcome throw: every step in between
 * records its result, so a failed re-login can never stop the resume from running.
 */
import type { NotifyConfig } from "../config/notify";
import { fetchGatewayLogs } from "../lib/gateway";
import type { Log } from "../lib/log";
import { entryTimestamp, writeOpsLogEntry } from "../lib/opsLog";
import { describeDeliveries, NotifyCredentials, sendNotice } from "../notify/notifier";
import { pauseQueues, PauseResult, QueueTarget, resumeQueues } from "./queues";
import type { DrillPageConfig } from "../config/drill";
import { armSignalGuard, disarmSignalGuard } from "../lib/signalGuard";
import { openDrillPage, pageLogLine } from "./page";
import { ReloginReport, ReloginSettings, reloginSession } from "./relogin";
import {
  drillFailures,
  DrillReport,
  drillMarkdown,
  drillResultNotice,
  escalationNotice,
  outcomeError,
  ResumeReport,
  SessionOutcome,
} from "./report";
import { armResumeGuard, disarmResumeGuard } from "./resumeGuard";
import { pickSender, sendAndConfirm, TestMessageReport, TestMessageSettings } from "./testMessage";

/** Every step carries the run's id: a new one re-runs the whole drill. */
interface Step {
  readonly runId: string;
}

/** The gateway's bearer token; empty when it requires none. Never in a message: redacted if echoed. */
interface GatewayAuth {
  readonly gatewayToken: string;
}

interface Notifying {
  readonly notify: NotifyConfig;
  readonly notifyCredentials: NotifyCredentials;
}

export interface QueueStepInputs extends Step {
  /** Secret: the product's Redis URL with its password. */
  readonly redisUrl: string;
  readonly queues: string[];
  readonly queuePrefix: string;
  readonly requestTimeoutMs: number;
}

function queueTarget(inputs: QueueStepInputs): QueueTarget {
  return { redisUrl: inputs.redisUrl, prefix: inputs.queuePrefix, timeoutMs: inputs.requestTimeoutMs };
}

export type PauseOutputs = Pick<QueueStepInputs, "runId" | "queues" | "queuePrefix"> & PauseResult;

/** Pauses outbound automation and arms the signal guard that resumes it if the process is stopped. */
export async function pauseStep(inputs: QueueStepInputs, log: Log): Promise<PauseOutputs> {
  const target = queueTarget(inputs);
  const result = await pauseQueues(target, inputs.queues, inputs.runId);
  log.info(
    `outbound queues paused: ${result.pausedByDrill.join(", ") || "none"}; already paused: ${result.alreadyPaused.join(", ") || "none"}`,
  );
  // stderr, not the engine's log: the guard runs while the process is being stopped.
  const say = (line: string) => void process.stderr.write(`${line}\n`);
  armResumeGuard(
    async () => `resumed ${(await resumeQueues(target, result.pausedByDrill)).join(", ") || "nothing"}`,
    say,
    inputs.requestTimeoutMs * 3,
  );
  return { runId: inputs.runId, queues: inputs.queues, queuePrefix: inputs.queuePrefix, ...result };
}

export interface ReloginInputs extends Step, ReloginSettings, GatewayAuth, Notifying {
  readonly session: string;
  readonly logLines: number;
  readonly page: DrillPageConfig;
}

export type ReloginOutputs = Step & SessionOutcome;

/**
 * One session's re-login, with its drill page open while it waits (closed when the step ends, also on failure
 * and, through the signal guard, on SIGINT/SIGTERM); a session that never opened is escalated with the
 * gateway's logs. Never throws.
 */
export async function reloginStep(inputs: ReloginInputs, log: Log): Promise<ReloginOutputs> {
  let report: ReloginReport;
  const first = {
    session: inputs.session,
    attempt: 1,
    maxAttempts: inputs.qrAttempts,
    status: "waiting-for-qr" as const,
    qrNumber: 0,
    detail: "starting",
  };
  const page = await openDrillPage(inputs.page, first).catch((err: Error) => {
    // The terminal still shows every QR (pulumi up --diff); a taken port must not stop the drill.
    log.warn(
      `session ${inputs.session}: drill page not served (${inputs.page.host}:${inputs.page.port}: ${err.message}); use pulumi up --diff for the QR`,
    );
    return undefined;
  });
  const guardKey = `drill-page-${inputs.session}`;
  if (page) {
    armSignalGuard(guardKey, () => page.close(), 1000);
    log.info(pageLogLine(inputs.session, page, inputs.page.host));
  }
  try {
    report = await reloginSession(inputs.session, inputs, inputs.gatewayToken, {
      log: (line) => log.info(line),
      show: page?.show,
      pageUrl: page?.url,
    });
  } catch (err) {
    // A bug or an unforeseen failure must still leave the drill able to resume the queues.
    const detail = (err as Error).message;
    report = {
      session: inputs.session,
      ok: false,
      result: "gateway-error" as const,
      maxAttempts: inputs.qrAttempts,
      attempts: [{ attempt: 1, result: "gateway-error" as const, qrShown: false, qrsShown: 0, detail, ms: 0 }],
    };
  } finally {
    if (page) {
      disarmSignalGuard(guardKey);
      await page.close();
    }
  }
  const outcome: SessionOutcome = report.ok ? report : { ...report, escalation: await escalate(inputs, report, log) };
  return { runId: inputs.runId, ...outcome };
}

async function escalate(inputs: ReloginInputs, report: SessionOutcome, log: Log): Promise<string> {
  const opts = { token: inputs.gatewayToken, timeoutMs: inputs.requestTimeoutMs };
  const logs = await fetchGatewayLogs(inputs.gatewayUrl, inputs.logLines, opts);
  const notice = escalationNotice(inputs.runId, report, inputs.logLines, logs);
  const summary = describeDeliveries(await sendNotice(inputs.notify, inputs.notifyCredentials, notice, [inputs.gatewayToken]));
  log.warn(`session ${inputs.session}: escalated to ${inputs.notify.routes.escalation.join(", ")}: ${summary}`);
  return summary;
}

export type ResumeOutputs = Pick<QueueStepInputs, "runId" | "queues"> & ResumeReport;

/** Resumes exactly the queues the pause step paused. Never throws: a failure is reported by the outcome. */
export async function resumeStep(inputs: QueueStepInputs, log: Log): Promise<ResumeOutputs> {
  let report: ResumeReport;
  try {
    report = { resumed: await resumeQueues(queueTarget(inputs), inputs.queues) };
    log.info(`outbound queues resumed: ${report.resumed.join(", ") || "none"}`);
  } catch (err) {
    report = { resumed: [], error: (err as Error).message };
    log.warn(`outbound queues NOT resumed (${inputs.queues.join(", ")}): ${report.error}; resume them in the worker dashboard`);
  } finally {
    disarmResumeGuard();
  }
  return { runId: inputs.runId, queues: inputs.queues, ...report };
}

export interface TestMessageInputs extends Step, TestMessageSettings, GatewayAuth {
  /** The configured sender, if any. */
  readonly session?: string;
  /** Sessions that reached `open` in this drill. */
  readonly opened: string[];
}

export type TestMessageOutputs = Step & Pick<TestMessageInputs, "chatId" | "session"> & { readonly report: TestMessageReport };

/** The runbook's verification: a test message through the gateway, seen in the chat console. */
export async function testMessageStep(inputs: TestMessageInputs, log: Log): Promise<TestMessageOutputs> {
  const sender = pickSender(inputs.session, inputs.opened);
  const report: TestMessageReport = sender
    ? await sendAndConfirm(inputs, sender, inputs.gatewayToken, inputs.runId, (l) => log.info(l))
    : {
        ok: false,
        chatId: inputs.chatId,
        detail: `not sent: ${inputs.session ? `session ${inputs.session} did not` : "no drilled session"} reached open`,
        ms: 0,
      };
  // `session` only when configured: an absent one must compare equal to an absent one (no perpetual diff).
  return { runId: inputs.runId, chatId: inputs.chatId, ...(inputs.session ? { session: inputs.session } : {}), report };
}

export interface OutcomeInputs extends Step, GatewayAuth, Notifying {
  readonly pause: PauseResult;
  readonly resume: ResumeReport;
  readonly sessions: SessionOutcome[];
  readonly testMessage: TestMessageReport;
  readonly reportsDir: string;
}

export type OutcomeOutputs = Step & { readonly report: string; readonly notified: string };

/** Files the ops-log entry, sends the result, and fails the run when anything failed. */
export async function outcomeStep(inputs: OutcomeInputs, log: Log): Promise<OutcomeOutputs> {
  const finishedAt = new Date();
  const report: DrillReport = { ...inputs, finishedAt: finishedAt.toISOString() };
  const plain = {
    runId: report.runId,
    finishedAt: report.finishedAt,
    pause: report.pause,
    resume: report.resume,
    sessions: report.sessions,
    testMessage: report.testMessage,
  };
  const files = writeOpsLogEntry(inputs.reportsDir, `drill-${entryTimestamp(finishedAt)}`, drillMarkdown(report), plain);
  const notified = describeDeliveries(
    await sendNotice(inputs.notify, inputs.notifyCredentials, drillResultNotice(report), [inputs.gatewayToken]),
  );
  log.info(`drill report: ${files.markdownPath}; result sent: ${notified}`);
  if (drillFailures(report).length > 0) throw new Error(`${outcomeError(report)}\nreport: ${files.markdownPath}`);
  return { runId: inputs.runId, report: files.markdownPath, notified };
}
