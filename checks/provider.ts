/**
 * The shape every post-deploy check shares: a dynamic resource whose create runs the check (and throws,
 * failing `pulumi up`, when it does not pass); check and diff do no I/O; any change of a setting, an
 * image digest, `runId` or a secret replaces it, i.e. runs the check again. Nothing to delete.
 */
import * as pulumi from "@pulumi/pulumi";
import { changedKeys, publicInputs, secretsHash } from "./provider.logic";

/** Runs one check with plain (resolved, secret-unwrapped) inputs; returns the measured values or throws. */
export type CheckRun = (inputs: any, progress: (message: string) => void) => Promise<object>;

export function checkProvider(kind: string, secretKeys: readonly string[], run: CheckRun): pulumi.dynamic.ResourceProvider {
  return {
    async diff(_id, olds, news) {
      const replaces = changedKeys(olds, news, secretKeys);
      return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    async create(inputs) {
      // Through JSON: an `undefined` field would make the host fail with "Unexpected struct type".
      const result = JSON.parse(JSON.stringify(await run(inputs, (message) => pulumi.log.info(`${kind}: ${message}`))));
      const outs: Record<string, unknown> = { ...publicInputs(inputs, secretKeys), result };
      if (secretKeys.length > 0) outs.secretsHash = secretsHash(inputs, secretKeys);
      return { id: `${kind}-${Date.now().toString(36)}`, outs };
    },
  };
}

/**
 * Args of a check resource: its settings as Inputs (documented, with defaults, in config/checks.ts),
 * the digests of the images it verifies, keyed by service (a new one re-runs it), and `runId`.
 */
export type CheckArgs<Settings, Images extends string> = { readonly [K in keyof Settings]: pulumi.Input<Settings[K]> } & {
  readonly runId: pulumi.Input<string>;
  readonly images: pulumi.Input<Record<Images, pulumi.Input<string>>>;
};

/** A check resource: `result` holds what the check measured when it passed. */
export class CheckResource extends pulumi.dynamic.Resource {
  declare readonly result: pulumi.Output<Record<string, unknown>>;

  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    name: string,
    props: Record<string, pulumi.Input<unknown>>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(provider, name, { ...props, result: undefined, secretsHash: undefined }, { ...opts, additionalSecretOutputs: ["secretsHash"] });
  }
}
