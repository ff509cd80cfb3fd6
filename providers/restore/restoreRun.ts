/**
 * The restore itself as a resource: its create downloads, restores, smoke-tests and files the report
 * (restore/restoreTest.ts), failing the update when the test failed. A new backup, server, database,
 * jobs or smoke SQL replaces it, i.e. runs the test again; destroy has nothing to undo.
 */
import * as pulumi from "@pulumi/pulumi";
import { explainFailure } from "../../notify/nextSteps";
import { restoreIdentity, RestoreRunInputs, RestoreSummary, runAndFileRestoreTest } from "../../restore/restoreTest";
import { changedKeys, wireSafe } from "../identity";
import { Args, DynamicResource, engineLog, replaceOn, typedProvider } from "../kit";

type RestoreRunOutputs = { identity: ReturnType<typeof restoreIdentity>; report: RestoreSummary };

export const provider = typedProvider<RestoreRunInputs, RestoreRunOutputs>({
  async create(inputs) {
    const { name, summary } = await explainFailure("restore", [inputs.credentials], () => runAndFileRestoreTest(inputs, engineLog()));
    return { id: name, outs: wireSafe({ identity: restoreIdentity(inputs), report: summary }) };
  },
  async diff(_id, olds, news) {
    return replaceOn(changedKeys(olds.identity, restoreIdentity(news)));
  },
});

/**
 * One input per field, so that only the secret ones are hidden in preview and state: the credentials,
 * and the target, which carries the server's secret `password` output and is secret through it.
 */
export class RestoreRun extends DynamicResource {
  declare readonly report: pulumi.Output<RestoreSummary>;

  constructor(name: string, args: Args<RestoreRunInputs>, opts?: pulumi.CustomResourceOptions) {
    super(provider, { module: "restore", type: "RestoreRun", secrets: ["credentials"], outputs: ["identity", "report"] }, name, args, opts);
  }
}
