/**
 * The shape every post-deploy check shares: a dynamic resource whose create runs the check (and throws,
 * failing `pulumi up`, when it does not pass); check and diff do no I/O; any change of a setting, an
 * image digest, `runId` or a secret replaces it, i.e. runs the check again. Nothing to delete.
 */
import * as pulumi from "@pulumi/pulumi";
import { reportOutcome } from "../../lib/checkOutcomes";
import type { Log } from "../../lib/log";
import { redactDeep, redactingLog } from "../../lib/redact";
import { explainFailure } from "../../notify/nextSteps";
import { changedKeys, omit, secretsHash, wireSafe } from "../identity";
import { Args, DynamicResource, engineLog, replaceOn, typedProvider } from "../kit";

/** Runs one check with its resolved inputs; returns what it measured, or throws. */
export type CheckRun<I> = (inputs: I, log: Log) => Promise<object>;

/** Keys of a check's inputs and outputs that are not its settings. */
const INTERNAL_KEYS: readonly string[] = ["__provider", "result", "secretsHash"];

type CheckOutputs = Record<string, unknown> & { result: object; secretsHash?: string };

/** Inputs safe to keep in plain outputs: everything but the secrets and the serialized provider. */
export function publicInputs(inputs: Record<string, unknown>, secretKeys: readonly string[]): Record<string, unknown> {
  return omit(inputs, [...secretKeys, ...INTERNAL_KEYS]);
}

/** Settings that changed between a check's stored outputs and its new inputs; a rotated secret shows as `secretsHash`. */
export function checkChanges(olds: Record<string, unknown>, news: Record<string, unknown>, secretKeys: readonly string[]): string[] {
  const identity = (values: Record<string, unknown>, hash: unknown) => ({
    ...publicInputs(values, secretKeys),
    ...(secretKeys.length > 0 ? { secretsHash: hash } : {}),
  });
  return changedKeys(identity(olds, olds.secretsHash), identity(news, secretsHash(news, secretKeys)));
}

export function checkProvider<I extends object>(
  kind: string,
  secretKeys: readonly (keyof I & string)[],
  run: CheckRun<I>,
): pulumi.dynamic.ResourceProvider {
  return typedProvider<I, CheckOutputs>({
    async diff(_id, olds, news) {
      return replaceOn(checkChanges(olds, news as Record<string, unknown>, secretKeys));
    },
    async create(inputs) {
      const plain = inputs as Record<string, unknown>;
      // Whatever a peer echoes (a 401 body with the token) is redacted from the log, the error and the result.
      const secrets = secretKeys.map((k) => plain[k]);
      const log = redactingLog(engineLog(`${kind}: `), secrets);
      // The verdict also goes to the image-change notice, which waits beside the checks (lib/checkOutcomes.ts).
      const key = { kind, runId: String(plain.runId), images: plain.images as Record<string, string> };
      const checked = () => explainFailure("rollback", secrets, async () => redactDeep(await run(inputs, log), secrets));
      const result = wireSafe(await reportOutcome(key, checked));
      const outs: CheckOutputs = { ...publicInputs(plain, secretKeys), result };
      if (secretKeys.length > 0) outs.secretsHash = secretsHash(plain, secretKeys);
      return { id: `${kind}-${Date.now().toString(36)}`, outs };
    },
  });
}

/**
 * Args of a check resource: its settings (documented, with defaults, in config/checks.ts), the digests
 * of the images it verifies, keyed by service (a new one re-runs it), and `runId`.
 */
export type CheckArgs<Settings, Images extends string> = Args<Settings> & {
  readonly runId: pulumi.Input<string>;
  readonly images: pulumi.Input<Record<Images, pulumi.Input<string>>>;
};

/** A check resource: `result` holds what the check measured when it passed. */
export class CheckResource extends DynamicResource {
  declare readonly result: pulumi.Output<Record<string, unknown>>;

  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    check: { readonly type: string; readonly secrets: readonly string[] },
    name: string,
    args: Record<string, pulumi.Input<unknown>>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const shape = {
      module: "checks",
      type: check.type,
      secrets: check.secrets,
      outputs: ["result", "secretsHash"],
      secretOutputs: ["secretsHash"],
    };
    super(provider, shape, name, args, opts);
  }
}
