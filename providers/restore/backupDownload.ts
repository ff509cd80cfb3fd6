/**
 * The backup's download as a resource, so that Pulumi runs it beside the disposable server's start
 * instead of after it (restore/prefetch.ts). Its create downloads and verifies the dump and leaves it for
 * the restore, which the engine creates next in the same provider host. A failed download does not fail
 * this resource: the restore reports it, in the ops log, as every other failed restore is reported.
 * Another backup replaces it; destroy has nothing to undo (the restore removed the dump).
 */
import * as pulumi from "@pulumi/pulumi";
import { explainFailure } from "../../notify/nextSteps";
import { prefetchBackup, prefetchIdentity, PrefetchOutputs, PrefetchSpec } from "../../restore/prefetch";
import { changedKeys, wireSafe } from "../identity";
import { Args, DynamicResource, engineLog, replaceOn, typedProvider } from "../kit";

export const provider = typedProvider<PrefetchSpec, PrefetchOutputs>({
  async create(inputs) {
    const outs = await explainFailure("restore", [inputs.credentials], () => prefetchBackup(inputs, engineLog()));
    return { id: `download-${inputs.backup.key}`, outs: wireSafe(outs) };
  },
  async diff(_id, olds, news) {
    return replaceOn(changedKeys(olds.identity, prefetchIdentity(news)));
  },
});

export class BackupDownload extends DynamicResource {
  declare readonly status: pulumi.Output<PrefetchOutputs["status"]>;

  constructor(name: string, args: Args<PrefetchSpec>, opts?: pulumi.CustomResourceOptions) {
    const outputs = ["identity", "status", "downloadSeconds", "error"];
    super(provider, { module: "restore", type: "BackupDownload", secrets: ["credentials"], outputs }, name, args, opts);
  }
}
