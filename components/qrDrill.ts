/**
 * The weekly QR re-login drill (runbook §1) as resources in the runbook's order: pause outbound
 * automation → re-login each session (one after the other: one person scans every QR) → resume →
 * test message → outcome. Resume depends on every re-login but re-logins never fail the run, so the
 * queues are resumed whatever the sessions did; the outcome step fails `pulumi up` afterwards, listing
 * each session, and writes the ops-log entry.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DrillConfig } from "../config/drill";
import type { NotifyConfig } from "../config/notify";
import { DrillOutcome } from "../providers/drill/drillOutcome";
import { QueuePause } from "../providers/drill/queuePause";
import { QueueResume } from "../providers/drill/queueResume";
import { SessionRelogin } from "../providers/drill/sessionRelogin";
import { TestMessage } from "../providers/drill/testMessage";
import type { SessionOutcome } from "../drill/report";
import { drillSessions } from "../drill/sessions";
import type { NotifyCredentials } from "../notify/notifier";

export interface QrDrillArgs {
  readonly config: DrillConfig;
  /** Sessions to re-login, in order: `drill.sessions`, or the gateway's list (drill/sessions.ts). */
  readonly sessions: readonly string[];
  /** The product's Redis, where the outbound BullMQ queues live. Secret. */
  readonly redisUrl: pulumi.Input<string>;
  /** Bearer token of the gateway; empty when it requires none. Secret. */
  readonly gatewayToken: pulumi.Input<string>;
  readonly notify: NotifyConfig;
  /** Webhook URL and SMTP credentials. Secret. */
  readonly notifyCredentials: pulumi.Input<NotifyCredentials>;
}

/**
 * The sessions to drill, known while the program runs (in preview too, so the preview names them): the
 * configured list, or a read-only `GET /sessions` on the gateway.
 */
export function findSessionsToDrill(config: DrillConfig, gatewayToken: pulumi.Output<string>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    gatewayToken.apply((token) =>
      drillSessions(config.sessions, { url: config.gatewayUrl, token, timeoutMs: config.requestTimeoutMs }).then(resolve, reject),
    );
  });
}

export class QrDrill extends pulumi.ComponentResource {
  readonly sessions: readonly string[];
  readonly pausedQueues: pulumi.Output<string[]>;
  readonly alreadyPausedQueues: pulumi.Output<string[]>;
  readonly report: pulumi.Output<string>;

  constructor(name: string, args: QrDrillArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spec1:drill:QrDrill", name, {}, opts);
    this.sessions = args.sessions;
    const pause = this.createPause(name, args);
    const relogins = this.createRelogins(name, args, pause);
    const resume = this.createResume(name, args, pause, relogins);
    const outcomes = pulumi.all(relogins.map((r) => r.outcome));
    const test = this.createTestMessage(name, args, resume, outcomes);
    const outcome = this.createOutcome(name, args, { pause, resume, outcomes, test });
    this.pausedQueues = pause.pausedByDrill;
    this.alreadyPausedQueues = pause.alreadyPaused;
    this.report = outcome.report;
    this.registerOutputs({
      sessions: this.sessions,
      pausedQueues: this.pausedQueues,
      alreadyPausedQueues: this.alreadyPausedQueues,
      report: this.report,
    });
  }

  private queueTarget(args: QrDrillArgs) {
    const c = args.config;
    return { runId: c.runId, redisUrl: args.redisUrl, queuePrefix: c.queuePrefix, requestTimeoutMs: c.requestTimeoutMs };
  }

  private createPause(name: string, args: QrDrillArgs): QueuePause {
    return new QueuePause(`${name}-pause`, { ...this.queueTarget(args), queues: [...args.config.queues] }, { parent: this });
  }

  /** Sessions are known at preview (config, or a read-only GET), so each shows up as its own resource. */
  private createRelogins(name: string, args: QrDrillArgs, pause: QueuePause): SessionRelogin[] {
    const c = args.config;
    const created: SessionRelogin[] = [];
    for (const session of args.sessions) {
      const previous = created[created.length - 1];
      const relogin = new SessionRelogin(
        `${name}-relogin-${session}`,
        {
          runId: c.runId,
          session,
          gatewayUrl: c.gatewayUrl,
          gatewayWsUrl: c.gatewayWsUrl,
          qrAttempts: c.qrAttempts,
          qrTimeoutMs: c.qrTimeoutMs,
          openTimeoutMs: c.openTimeoutMs,
          requestTimeoutMs: c.requestTimeoutMs,
          logLines: c.logLines,
          page: c.page,
          gatewayToken: args.gatewayToken,
          notify: args.notify,
          notifyCredentials: args.notifyCredentials,
        },
        { parent: this, dependsOn: previous ? [previous] : [pause] },
      );
      created.push(relogin);
    }
    return created;
  }

  private createResume(name: string, args: QrDrillArgs, pause: QueuePause, relogins: SessionRelogin[]): QueueResume {
    return new QueueResume(
      `${name}-resume`,
      { ...this.queueTarget(args), queues: pause.pausedByDrill },
      { parent: this, dependsOn: [pause, ...relogins] },
    );
  }

  private createTestMessage(
    name: string,
    args: QrDrillArgs,
    resume: QueueResume,
    outcomes: pulumi.Output<{ session: string; ok: boolean }[]>,
  ): TestMessage {
    const c = args.config;
    return new TestMessage(
      `${name}-test-message`,
      {
        runId: c.runId,
        gatewayUrl: c.gatewayUrl,
        chatId: c.testMessage.chatId,
        session: c.testMessage.session,
        text: c.testMessage.text,
        confirmUrl: c.testMessage.confirmUrl,
        confirmTimeoutMs: c.testMessage.confirmTimeoutMs,
        requestTimeoutMs: c.requestTimeoutMs,
        opened: outcomes.apply((os) => os.filter((o) => o.ok).map((o) => o.session)),
        gatewayToken: args.gatewayToken,
      },
      { parent: this, dependsOn: [resume] },
    );
  }

  private createOutcome(
    name: string,
    args: QrDrillArgs,
    steps: { pause: QueuePause; resume: QueueResume; outcomes: pulumi.Output<SessionOutcome[]>; test: TestMessage },
  ): DrillOutcome {
    const { pause, resume, outcomes, test } = steps;
    return new DrillOutcome(
      `${name}-outcome`,
      {
        runId: args.config.runId,
        pause: pulumi
          .all([pause.pausedByDrill, pause.alreadyPaused, pause.leftoverFrom])
          .apply(([pausedByDrill, alreadyPaused, leftoverFrom]) => ({ pausedByDrill, alreadyPaused, leftoverFrom })),
        resume: pulumi.all([resume.resumed, resume.error]).apply(([resumed, error]) => (error ? { resumed, error } : { resumed })),
        sessions: outcomes,
        testMessage: test.report,
        reportsDir: args.config.reportsDir,
        notify: args.notify,
        notifyCredentials: args.notifyCredentials,
        gatewayToken: args.gatewayToken,
      },
      { parent: this, dependsOn: [test] },
    );
  }
}
