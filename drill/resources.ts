/**
 * The drill's steps as dynamic resources, created in this order by components/qrDrill.ts:
 * QueuePause → SessionRelogin (one per session, one after the other) → QueueResume → TestMessage →
 * DrillOutcome. Only QueuePause (nothing paused yet, or what it paused resumed) and DrillOutcome throw:
 * every step in between records its result, so a failed re-login can never stop the resume from running.
 * Every step re-runs when `runId` changes and does nothing on delete (a drill is not undone).
 */
import * as pulumi from "@pulumi/pulumi";
import type { NotifyConfig } from "../config/notify";
import { fetchGatewayLogs } from "../lib/gateway";
import { entryTimestamp, writeOpsLogEntry } from "../lib/opsLog";
import type { NotifyCredentials } from "../notify/notifier";
import { describeDeliveries, sendNotice } from "../notify/notifier";
import { pauseQueues, PauseResult, resumeQueues } from "./queues";
import { ReloginSettings, reloginSession } from "./relogin";
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
import { pickSender, sendAndConfirm, TestMessageSettings, TestMessageReport } from "./testMessage";

type In<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

/** Plain fields that identify a step: a change to any of them (or to runId) re-runs it. */
function stepDiff(identity: readonly string[]) {
  return async (_id: string, olds: any, news: any): Promise<pulumi.dynamic.DiffResult> => {
    const changed = ["runId", ...identity].filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: false };
  };
}

// ---- pause -------------------------------------------------------------------------------------

export interface QueueTargetInputs {
  readonly runId: string;
  readonly redisUrl: string;
  readonly queues: string[];
  readonly queuePrefix: string;
  readonly requestTimeoutMs: number;
}

const pauseProvider: pulumi.dynamic.ResourceProvider = {
  diff: stepDiff(["queues", "queuePrefix"]),
  async create(inputs: QueueTargetInputs) {
    const target = { redisUrl: inputs.redisUrl, prefix: inputs.queuePrefix, timeoutMs: inputs.requestTimeoutMs };
    const result = await pauseQueues(target, inputs.queues, inputs.runId);
    pulumi.log.info(
      `outbound queues paused: ${result.pausedByDrill.join(", ") || "none"}; already paused: ${result.alreadyPaused.join(", ") || "none"}`,
    );
    const say = (line: string) => void process.stderr.write(`${line}\n`);
    armResumeGuard(
      async () => `resumed ${(await resumeQueues(target, result.pausedByDrill)).join(", ") || "nothing"}`,
      say,
      inputs.requestTimeoutMs * 3,
    );
    return {
      id: `pause-${inputs.runId}`,
      outs: { runId: inputs.runId, queues: inputs.queues, queuePrefix: inputs.queuePrefix, ...result },
    };
  },
  async delete() {},
};

export class QueuePause extends pulumi.dynamic.Resource {
  declare readonly pausedByDrill: pulumi.Output<string[]>;
  declare readonly alreadyPaused: pulumi.Output<string[]>;
  declare readonly leftoverFrom: pulumi.Output<Record<string, string>>;
  constructor(name: string, args: In<QueueTargetInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      pauseProvider,
      name,
      { ...args, redisUrl: pulumi.secret(args.redisUrl), pausedByDrill: undefined, alreadyPaused: undefined, leftoverFrom: undefined },
      opts,
    );
  }
}

// ---- re-login ----------------------------------------------------------------------------------

export interface ReloginInputs extends ReloginSettings {
  readonly runId: string;
  readonly session: string;
  readonly gatewayToken?: string;
  readonly logLines: number;
  readonly notify: NotifyConfig;
  readonly notifyCredentials: NotifyCredentials;
}

const reloginProvider: pulumi.dynamic.ResourceProvider = {
  diff: stepDiff(["session"]),
  async create(inputs: ReloginInputs) {
    const log = (line: string) => pulumi.log.info(line);
    let report;
    try {
      report = await reloginSession(inputs.session, inputs, inputs.gatewayToken, log);
    } catch (err) {
      // A bug or an unforeseen failure must still leave the drill able to resume the queues.
      const detail = (err as Error).message;
      report = {
        session: inputs.session,
        ok: false,
        result: "gateway-error" as const,
        attempts: [{ attempt: 1, result: "gateway-error" as const, qrShown: false, detail, ms: 0 }],
      };
    }
    const outcome: SessionOutcome = report.ok ? report : { ...report, escalation: await escalate(inputs, report) };
    return { id: `${inputs.session}-${inputs.runId}`, outs: { runId: inputs.runId, ...outcome } };
  },
  async delete() {},
};

async function escalate(inputs: ReloginInputs, report: SessionOutcome): Promise<string> {
  const opts = { token: inputs.gatewayToken, timeoutMs: inputs.requestTimeoutMs };
  const logs = await fetchGatewayLogs(inputs.gatewayUrl, inputs.logLines, opts);
  const deliveries = await sendNotice(
    inputs.notify,
    inputs.notifyCredentials,
    escalationNotice(inputs.runId, report, inputs.logLines, logs),
    [inputs.gatewayToken],
  );
  const summary = describeDeliveries(deliveries);
  pulumi.log.warn(`session ${inputs.session}: escalated to ${inputs.notify.routes.escalation.join(", ")}: ${summary}`);
  return summary;
}

export class SessionRelogin extends pulumi.dynamic.Resource {
  declare readonly ok: pulumi.Output<boolean>;
  declare readonly outcome: pulumi.Output<SessionOutcome>;
  constructor(name: string, args: In<ReloginInputs>, opts?: pulumi.CustomResourceOptions) {
    const secrets = { gatewayToken: pulumi.secret(args.gatewayToken ?? ""), notifyCredentials: pulumi.secret(args.notifyCredentials) };
    super(
      reloginProvider,
      name,
      { ...args, ...secrets, ok: undefined, result: undefined, attempts: undefined, escalation: undefined },
      opts,
    );
    const self = this as unknown as Record<string, pulumi.Output<any>>;
    this.outcome = pulumi
      .all([args.session, self.ok, self.result, self.attempts, self.escalation])
      .apply(([session, ok, result, attempts, escalation]): SessionOutcome =>
        escalation === undefined ? { session, ok, result, attempts } : { session, ok, result, attempts, escalation },
      );
  }
}

// ---- resume ------------------------------------------------------------------------------------

const resumeProvider: pulumi.dynamic.ResourceProvider = {
  diff: stepDiff(["queues"]),
  async create(inputs: QueueTargetInputs) {
    const target = { redisUrl: inputs.redisUrl, prefix: inputs.queuePrefix, timeoutMs: inputs.requestTimeoutMs };
    let outs: ResumeReport;
    try {
      outs = { resumed: await resumeQueues(target, inputs.queues) };
      pulumi.log.info(`outbound queues resumed: ${outs.resumed.join(", ") || "none"}`);
    } catch (err) {
      outs = { resumed: [], error: (err as Error).message };
      pulumi.log.warn(`outbound queues NOT resumed (${inputs.queues.join(", ")}): ${outs.error}; resume them in the worker dashboard`);
    } finally {
      disarmResumeGuard();
    }
    return { id: `resume-${inputs.runId}`, outs: { runId: inputs.runId, queues: inputs.queues, ...outs } };
  },
  async delete() {},
};

/** `queues`: the ones the pause step paused (its `pausedByDrill`), never the ones found paused. */
export class QueueResume extends pulumi.dynamic.Resource {
  declare readonly resumed: pulumi.Output<string[]>;
  declare readonly error: pulumi.Output<string | undefined>;
  constructor(name: string, args: In<QueueTargetInputs>, opts?: pulumi.CustomResourceOptions) {
    super(resumeProvider, name, { ...args, redisUrl: pulumi.secret(args.redisUrl), resumed: undefined, error: undefined }, opts);
  }
}

// ---- test message ------------------------------------------------------------------------------

export interface TestMessageInputs extends TestMessageSettings {
  readonly runId: string;
  /** The configured sender, if any. */
  readonly session?: string;
  /** Sessions that reached `open` in this drill. */
  readonly opened: string[];
  readonly gatewayToken?: string;
}

const testMessageProvider: pulumi.dynamic.ResourceProvider = {
  diff: stepDiff(["chatId", "session"]),
  async create(inputs: TestMessageInputs) {
    const sender = pickSender(inputs.session, inputs.opened);
    const report: TestMessageReport = sender
      ? await sendAndConfirm(inputs, sender, inputs.gatewayToken, inputs.runId, (l) => pulumi.log.info(l))
      : {
          ok: false,
          chatId: inputs.chatId,
          detail: `not sent: ${inputs.session ? `session ${inputs.session} did not` : "no drilled session"} reached open`,
          ms: 0,
        };
    // `session` only when configured: an absent one must compare equal to an absent one (no perpetual diff).
    const identity = { runId: inputs.runId, chatId: inputs.chatId, ...(inputs.session ? { session: inputs.session } : {}) };
    return { id: `test-message-${inputs.runId}`, outs: { ...identity, report } };
  },
  async delete() {},
};

export class TestMessage extends pulumi.dynamic.Resource {
  declare readonly report: pulumi.Output<TestMessageReport>;
  constructor(name: string, args: In<TestMessageInputs>, opts?: pulumi.CustomResourceOptions) {
    super(testMessageProvider, name, { ...args, gatewayToken: pulumi.secret(args.gatewayToken ?? ""), report: undefined }, opts);
  }
}

// ---- outcome -----------------------------------------------------------------------------------

export interface OutcomeInputs {
  readonly runId: string;
  readonly pause: PauseResult;
  readonly resume: ResumeReport;
  readonly sessions: SessionOutcome[];
  readonly testMessage: TestMessageReport;
  readonly reportsDir: string;
  readonly notify: NotifyConfig;
  readonly notifyCredentials: NotifyCredentials;
  /** Never in a message: redacted if anything echoed it. */
  readonly gatewayToken?: string;
}

const outcomeProvider: pulumi.dynamic.ResourceProvider = {
  diff: stepDiff([]),
  async create(inputs: OutcomeInputs) {
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
    pulumi.log.info(`drill report: ${files.markdownPath}; result sent: ${notified}`);
    if (drillFailures(report).length > 0) throw new Error(`${outcomeError(report)}\nreport: ${files.markdownPath}`);
    return { id: `outcome-${inputs.runId}`, outs: { runId: inputs.runId, report: files.markdownPath, notified } };
  },
  async delete() {},
};

export class DrillOutcome extends pulumi.dynamic.Resource {
  declare readonly report: pulumi.Output<string>;
  constructor(name: string, args: In<OutcomeInputs>, opts?: pulumi.CustomResourceOptions) {
    const secrets = { gatewayToken: pulumi.secret(args.gatewayToken ?? ""), notifyCredentials: pulumi.secret(args.notifyCredentials) };
    super(outcomeProvider, name, { ...args, ...secrets, report: undefined, notified: undefined }, opts);
  }
}
