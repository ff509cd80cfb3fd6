/**
 * Runbook §3 "Post-Rollback", done by `pulumi up`: on an image change it waits beside the post-deploy
 * checks (it does not depend on their success, so a failure is announced too) and announces a rollback
 * or a release as it went (notify/rollback.ts). Its outputs remember the images last announced, the tags
 * deployed and the last change; a change whose checks did not pass is verified again by the next up.
 * Its first create only records the images: a first deploy is not a rollback.
 */
import * as pulumi from "@pulumi/pulumi";
import { ImageRef, imageChanges, recordTags, TagHistory } from "../../notify/imageChanges";
import { announceImageChange, LastChange, NoticeInputs, pendingChange } from "../../notify/rollback";
import { wireSafe } from "../identity";
import { Args, DynamicResource, engineLog, typedProvider, updateOn } from "../kit";

type NoticeOutputs = { stack: string; images: Record<string, ImageRef>; history?: TagHistory; lastChange?: LastChange };

export const provider = typedProvider<NoticeInputs, NoticeOutputs>({
  async create(inputs) {
    engineLog().info(`rollback notice: recorded the running images of ${inputs.stack}; the next image change is announced`);
    return {
      id: `rollback-notice-${inputs.stack}`,
      outs: { stack: inputs.stack, images: inputs.images, history: recordTags({}, inputs.images) },
    };
  },
  async diff(_id, olds, news) {
    const changed = imageChanges(olds.images ?? {}, news.images).map((c) => c.service);
    return updateOn(pendingChange(olds) ? [...changed, "pending"] : changed);
  },
  async update(_id, olds, news) {
    const { history, lastChange } = await announceImageChange(olds, news, engineLog());
    return { outs: wireSafe({ stack: news.stack, images: news.images, history, lastChange }) };
  },
  async delete() {},
});

export type RollbackNoticeArgs = Omit<Args<NoticeInputs>, "stack">;

export class RollbackNotice extends DynamicResource {
  declare readonly lastChange: pulumi.Output<LastChange | undefined>;

  constructor(name: string, args: RollbackNoticeArgs, opts?: pulumi.CustomResourceOptions) {
    const shape = { module: "rollback", type: "RollbackNotice", secrets: ["notifyCredentials", "trackerToken"], outputs: ["lastChange"] };
    super(provider, shape, name, { stack: pulumi.getStack(), ...args }, opts);
  }
}
