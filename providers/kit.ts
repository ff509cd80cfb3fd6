/**
 * The one shape of every dynamic resource in this project. A provider is a plain object of typed methods
 * whose work is done by Pulumi-free modules (checks/, drill/, restore/, notify/); a resource class names
 * its type (`pulumi-nodejs:dynamic/<module>:<type>`), its secret inputs once (wrapped as secrets on the
 * way in, kept out of outputs by its provider) and its outputs (declared as `undefined` so the engine
 * knows them before create).
 *
 * What a resource stores as `__provider` is not its provider: Pulumi serializes by value everything the
 * provider's methods reach (FIELD-NOTES), tens of KiB per resource, more per drilled session. It stores a
 * forwarder of a few hundred bytes that names the resource's type and, when a method runs in the
 * provider host, loads the implementation from the working tree through the versioned entry point
 * `providers/host/v1.js` (the host runs in the project root: pulumi/pulumi
 * sdk/go/common/resource/plugin/provider_plugin.go starts providers with `ctx.Pwd`).
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

/** The type token every dynamic resource had before they were named: existing stacks hold it in their URNs. */
export const UNNAMED_DYNAMIC_TYPE = "pulumi-nodejs:dynamic:Resource";

export interface ResourceShape {
  /** The procedure, and the resource's name within it: `pulumi-nodejs:dynamic/<module>:<type>`, and its key in providers/registry.ts. */
  readonly module: string;
  readonly type: string;
  /** Input keys that hold secrets: wrapped with `pulumi.secret` here, kept out of outputs by the provider. */
  readonly secrets?: readonly string[];
  /** Output keys, declared before create. */
  readonly outputs: readonly string[];
  /** Output keys stored as secrets. */
  readonly secretOutputs?: readonly string[];
}

/** The key of a provider in providers/registry.ts, and the type's name: `<module>:<type>`. */
export function providerKey(shape: Pick<ResourceShape, "module" | "type">): string {
  return `${shape.module}:${shape.type}`;
}

/**
 * The provider a resource stores: for each method the implementation has, a forwarder to the entry point
 * in the working tree. Only `key` and the method's name are captured, so this is all that is serialized.
 */
export function forwardingProvider(key: string, implementation: pulumi.dynamic.ResourceProvider): pulumi.dynamic.ResourceProvider {
  const forward =
    (method: string) =>
    (...args: unknown[]) =>
      require(`${process.cwd()}/providers/host/v1.js`).call(key, method, args);
  const methods = (["check", "diff", "create", "read", "update", "delete"] as const).filter((m) => implementation[m] !== undefined);
  return Object.fromEntries(methods.map((m) => [m, forward(m)])) as unknown as pulumi.dynamic.ResourceProvider;
}

/** A dynamic resource registered as its shape says. */
export class DynamicResource extends pulumi.dynamic.Resource {
  constructor(
    implementation: pulumi.dynamic.ResourceProvider,
    shape: ResourceShape,
    name: string,
    args: Record<string, pulumi.Input<unknown> | undefined>,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const props: Record<string, pulumi.Input<unknown> | undefined> = { ...args };
    for (const key of shape.secrets ?? []) props[key] = pulumi.secret(args[key]);
    for (const key of shape.outputs) props[key] = undefined;
    const secretOutputs = shape.secretOutputs ?? [];
    const options: pulumi.CustomResourceOptions = {
      ...opts,
      // Stacks written before the types had names hold this resource under the unnamed type.
      aliases: [...(opts?.aliases ?? []), { type: UNNAMED_DYNAMIC_TYPE }],
      ...(secretOutputs.length > 0 ? { additionalSecretOutputs: [...secretOutputs] } : {}),
    };
    super(forwardingProvider(providerKey(shape), implementation), name, props, options, shape.module, shape.type);
  }
}
