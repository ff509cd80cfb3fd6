/**
 * Runbook §3 "Post-Rollback", done by `pulumi up` once the post-deploy checks passed: when the app
 * stack's images change, tell the stakeholders each service's from→to tag with the check results, open
 * (or tag) the incident in the tracker, and write a post-mortem skeleton beside the reports. A dynamic
 * resource whose outputs remember the images last announced, so its update sees old against new; its
 * first create only records them (a first deploy is not a rollback).
 */
import * as pulumi from "@pulumi/pulumi";
import type { NotifyConfig, RollbackConfig } from "../config/notify";
import { entryTimestamp, writeOpsLogEntry } from "../lib/opsLog";
import { describeDeliveries, NotifyCredentials, sendNotice } from "../notify/notifier";
import { fileIncident, ImageRef, imageChanges, postMortemMarkdown, RollbackEvent, rollbackNotice } from "../notify/rollback";

interface NoticeInputs {
  readonly stack: string;
  readonly images: Record<string, ImageRef>;
  readonly checks: Record<string, unknown>;
  readonly rollback: RollbackConfig;
  readonly notify: NotifyConfig;
  readonly notifyCredentials: NotifyCredentials;
  readonly trackerToken?: string;
}

const rollbackNoticeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: NoticeInputs) {
    pulumi.log.info(`rollback notice: recorded the running images of ${inputs.stack}; the next image change is announced`);
    return { id: `rollback-notice-${inputs.stack}`, outs: { stack: inputs.stack, images: inputs.images } };
  },
  async diff(_id, olds: { images?: Record<string, ImageRef> }, news: NoticeInputs) {
    return { changes: imageChanges(olds.images ?? {}, news.images).length > 0, replaces: [], deleteBeforeReplace: false };
  },
  async update(_id, olds: { images: Record<string, ImageRef> }, news: NoticeInputs) {
    const at = new Date();
    const changes = imageChanges(olds.images, news.images);
    let event: RollbackEvent = { stack: news.stack, at: at.toISOString(), changes, checks: news.checks };
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
    // The rollback itself succeeded: a notice or tracker problem is reported, not a failed deploy.
    const log =
      event.incidentError || notified.includes("FAILED") || notified.startsWith("no transport") ? pulumi.log.warn : pulumi.log.info;
    log(
      `rollback notice: ${changes.map((c) => `${c.service} ${c.from}→${c.to}`).join(", ")}; incident ${incident}; post-mortem ${files.markdownPath}; notice ${notified}`,
    );
    return {
      outs: {
        stack: news.stack,
        images: news.images,
        lastChange: { at: event.at, changes, incident: event.incident?.url ?? "", postMortem: files.markdownPath, notified },
      },
    };
  },
  async delete() {},
};

export interface RollbackNoticeArgs {
  /** The running images (AppServices.images). */
  readonly images: pulumi.Input<Record<string, ImageRef>>;
  /** What each post-deploy check measured (PostDeployChecks.results): also makes the notice wait for them. */
  readonly checks: pulumi.Input<Record<string, unknown>>;
  readonly rollback: RollbackConfig;
  readonly notify: NotifyConfig;
  /** Webhook URL and SMTP credentials. Secret. */
  readonly notifyCredentials: pulumi.Input<NotifyCredentials>;
  /** Bearer token of the tracker (e.g. a GitHub token with issues:write); empty when none. Secret. */
  readonly trackerToken: pulumi.Input<string>;
}

export class RollbackNotice extends pulumi.dynamic.Resource {
  declare readonly lastChange: pulumi.Output<Record<string, unknown> | undefined>;
  constructor(name: string, args: RollbackNoticeArgs, opts?: pulumi.CustomResourceOptions) {
    const inputs = {
      stack: pulumi.getStack(),
      images: args.images,
      checks: args.checks,
      rollback: args.rollback,
      notify: args.notify,
      notifyCredentials: pulumi.secret(args.notifyCredentials),
      trackerToken: pulumi.secret(args.trackerToken),
      lastChange: undefined,
    };
    super(rollbackNoticeProvider, name, inputs, opts);
  }
}
