/**
 * The one shape of every dynamic resource in this project. A provider is a plain object of typed methods
 * whose work is done by Pulumi-free modules (checks/, drill/, restore/, notify/); a resource class names
 * its secret inputs once (wrapped as secrets on the way in, kept out of outputs by its provider) and its
 * outputs (declared as `undefined` so the engine knows them before create).
 *
 * Anything a provider's methods reference is serialized into the resource's `__provider` by value: they
 * must reference functions, never clients or secrets (FIELD-NOTES, "Pulumi mocks and the dynamic
 * provider host").
 */
import * as pulumi from "@pulumi/pulumi";
import type { Log } from "../lib/log";

/** A resource's public args: each field of its resolved inputs `T` as a Pulumi Input. */
export type Args<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

/** A provider typed by its resolved inputs `I` and its outputs `O` (what the engine stores and hands back as olds). */
export interface TypedProvider<I, O> {
  create(inputs: I): Promise<{ id: string; outs: O }>;
  diff?(id: string, olds: O, news: I): Promise<pulumi.dynamic.DiffResult>;
  update?(id: string, olds: O, news: I): Promise<{ outs: O }>;
  delete?(id: string, olds: O): Promise<void>;
}

export function typedProvider<I, O>(provider: TypedProvider<I, O>): pulumi.dynamic.ResourceProvider {
  return provider as unknown as pulumi.dynamic.ResourceProvider;
}

/** Replace when anything in `changed` changed; no change when it is empty. */
export function replaceOn(changed: string[], deleteBeforeReplace = false): pulumi.dynamic.DiffResult {
  return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace };
}

/** Update in place when anything in `changed` changed. */
export function updateOn(changed: string[]): pulumi.dynamic.DiffResult {
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

/** Pulumi's log (in the provider host, the engine's display), optionally prefixed. */
export function engineLog(prefix = ""): Log {
  return { info: (m) => pulumi.log.info(`${prefix}${m}`), warn: (m) => pulumi.log.warn(`${prefix}${m}`) };
}

export interface ResourceShape {
  /** Input keys that hold secrets: wrapped with `pulumi.secret` here, kept out of outputs by the provider. */
  readonly secrets?: readonly string[];
  /** Output keys, declared before create. */
  readonly outputs: readonly string[];
  /** Output keys stored as secrets. */
  readonly secretOutputs?: readonly string[];
}

/** A dynamic resource registered as its shape says. */
export class DynamicResource extends pulumi.dynamic.Resource {
  constructor(
    provider: pulumi.dynamic.ResourceProvider,
    shape: ResourceShape,
    name: string,
    args: Record<string, pulumi.Input<unknown> | undefined>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const props: Record<string, pulumi.Input<unknown> | undefined> = { ...args };
    for (const key of shape.secrets ?? []) props[key] = pulumi.secret(args[key]);
    for (const key of shape.outputs) props[key] = undefined;
    const secretOutputs = shape.secretOutputs ?? [];
    super(provider, name, props, secretOutputs.length > 0 ? { ...opts, additionalSecretOutputs: [...secretOutputs] } : opts);
  }
}
