/**
 * Runbook §3 "Post-Rollback", done by `pulumi up` once the post-deploy checks passed: its outputs
 * remember the images last announced, so its update sees old against new (notify/rollback.ts). Its
 * first create only records them: a first deploy is not a rollback.
 */
import * as pulumi from "@pulumi/pulumi";
import { announceImageChange, ImageRef, imageChanges, LastChange, NoticeInputs } from "../../notify/rollback";
import { Args, DynamicResource, engineLog, typedProvider, updateOn } from "../kit";

type NoticeOutputs = { stack: string; images: Record<string, ImageRef>; lastChange?: LastChange };

export const provider = typedProvider<NoticeInputs, NoticeOutputs>({
  async create(inputs) {
    engineLog().info(`rollback notice: recorded the running images of ${inputs.stack}; the next image change is announced`);
    return { id: `rollback-notice-${inputs.stack}`, outs: { stack: inputs.stack, images: inputs.images } };
  },
  async diff(_id, olds, news) {
    return updateOn(imageChanges(olds.images ?? {}, news.images).map((c) => c.service));
  },
  async update(_id, olds, news) {
    const lastChange = await announceImageChange(olds.images, news, engineLog());
    return { outs: { stack: news.stack, images: news.images, lastChange } };
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
