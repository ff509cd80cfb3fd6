/**
 * Runs the Pulumi program under `pulumi.runtime.setMocks`, as `pulumi preview`/`up` would run it, and
 * captures every registered resource with its inputs (dynamic resources carry their serialized provider
 * in `inputs.__provider`). Used by the program tests and by the rehearsal, which feeds the captured
 * inputs to Pulumi's dynamic provider host.
 */
import { createHash } from "crypto";

type Pulumi = typeof import("@pulumi/pulumi");
type MockResourceArgs = import("@pulumi/pulumi/runtime").MockResourceArgs;
type MockResourceResult = import("@pulumi/pulumi/runtime").MockResourceResult;
export type Props = Record<string, any>;

/** Whether a type token is a `pulumi.dynamic.Resource`'s: `pulumi-nodejs:dynamic[/<module>]:<type>`. */
export function isDynamicType(type: string): boolean {
  return /^pulumi-nodejs:dynamic(\/[^:]+)?:[^:]+$/.test(type);
}
/** How Pulumi marks a secret on the wire: `{[SECRET_SIG]: SECRET_VALUE, value}`. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface CapturedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Props;
  readonly id: string;
  readonly state: Props;
}

/** What the engine keys a resource by: its URN (type chain of its parents), and the aliases it declares. */
export interface Registration {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The parent's URN; empty for a child of the stack. */
  readonly parent: string;
  /** Alias specs as registered (name/type/parentUrn/noParent/project/stack, unset fields omitted). */
  readonly aliases: Props[];
  /** Resource options the engine acts on (secret outputs, dependencies, replacement and deletion rules); unset ones omitted. */
  readonly options: Props;
  /** Inputs as the monitor received them; a dynamic resource's `__provider` included. */
  readonly inputs: Props;
}

export interface ProgramRun {
  readonly resources: CapturedResource[];
  /** Every resource, components included, in registration order, as the engine would key it. */
  readonly registrations: Registration[];
  /** The stack outputs, resolved (secrets unwrapped). */
  readonly outputs: Props;
  /** The one resource of that name; throws listing the names when there is none. */
  byName(name: string): CapturedResource;
}

export interface RunOptions {
  readonly stack: string;
  /** Config values by key without the `spec1:` namespace; objects are passed as JSON, like the CLI does. */
  readonly config: Props;
  /** Secret config values by key without namespace: set as `pulumi config set --secret` would. */
  readonly secrets?: Record<string, string>;
  readonly preview?: boolean;
  /**
   * Answers each dynamic resource instead of the mock (which has recorded it and is passed as `mocked`):
   * the rehearsal and the drill tests have the provider host create it, as the engine would.
   */
  readonly dynamic?: (args: MockResourceArgs, mocked: MockResourceResult) => Promise<MockResourceResult>;
}

/** What a mocked resource reports back: its inputs, plus the outputs the program reads from real ones. */
export function mockState(type: string, name: string, inputs: Props): Props {
  if (type === "docker:index/remoteImage:RemoteImage") {
    const digest = createHash("sha256").update(String(inputs.name)).digest("hex");
    const repo = String(inputs.name).replace(/:[^:/@]+(@.*)?$/, "");
    return { ...inputs, repoDigest: `${repo}@sha256:${digest}`, imageId: `sha256:${digest}` };
  }
  return { ...inputs, mockedName: name };
}

export async function runProgram(pulumi: Pulumi, load: () => Promise<Props>, opts: RunOptions): Promise<ProgramRun> {
  const resources: CapturedResource[] = [];
  const registrations: Registration[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const id = `${args.name}-id`;
        const state = mockState(args.type, args.name, args.inputs);
        resources.push({ type: args.type, name: args.name, inputs: args.inputs, id, state });
        return opts.dynamic && isDynamicType(args.type) ? opts.dynamic(args, { id, state }) : { id, state };
      },
      call: (args) => args.inputs,
    },
    "spec1",
    opts.stack,
    opts.preview ?? false,
  );
  recordRegistrations(pulumi, registrations);
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts.config)) {
    config[`spec1:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  for (const [key, value] of Object.entries(opts.secrets ?? {})) config[`spec1:${key}`] = value;
  pulumi.runtime.setAllConfig(
    config,
    Object.keys(opts.secrets ?? {}).map((k) => `spec1:${k}`),
  );

  const exported = await load();
  const outputs = await resolveOutputs(pulumi, exported);
  await pulumi.runtime.disconnect();
  return {
    resources,
    registrations,
    outputs,
    byName(name: string) {
      const found = resources.filter((r) => r.name === name);
      if (found.length !== 1) {
        throw new Error(`expected one resource named ${name}, found ${found.length}; names: ${resources.map((r) => r.name).join(", ")}`);
      }
      return found[0];
    },
  };
}

/**
 * The mock monitor answers registrations without telling `newResource` the parent or aliases: wrap its
 * registerResource to record them, with the URN it computes (mocks.js `MockMonitor.newUrn`).
 */
function recordRegistrations(pulumi: Pulumi, into: Registration[]): void {
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: any, cb: (err: unknown, res: any) => void): void };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    register(req, (err, res) => {
      if (!err) {
        const aliases = (req.getAliasesList() as any[]).map((a) => stripEmpty(a.toObject()));
        const inputs = pulumi.runtime.deserializeProperties(req.getObject());
        const options = stripEmpty({
          additionalSecretOutputs: [...req.getAdditionalsecretoutputsList()].sort(),
          dependencies: [...req.getDependenciesList()].sort(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          ignoreChanges: [...req.getIgnorechangesList()].sort(),
          replaceOnChanges: [...req.getReplaceonchangesList()].sort(),
          retainOnDelete: req.getRetainondelete() ?? false,
          protect: req.getProtect() ?? false,
        });
        into.push({ urn: res.getUrn(), type: req.getType(), name: req.getName(), parent: req.getParent(), aliases, options, inputs });
      }
      cb(err, res);
    });
}

function stripEmpty(obj: Props): Props {
  return Object.fromEntries(
    Object.entries(obj).filter(
      ([, v]) => v !== "" && v !== false && v !== undefined && !(v && typeof v === "object" && Object.keys(v).length === 0),
    ),
  );
}

/** Resolves an Output (or a structure holding Outputs) to its plain value; an output unknown in preview to undefined. */
export function promiseOf<T>(pulumi: Pulumi, output: import("@pulumi/pulumi").Input<T>): Promise<T> {
  const out = pulumi.output(output);
  return new Promise((resolve) => {
    out.apply((v) => resolve(v as T));
    // In preview, an output a provider has not computed yet is unknown and apply never runs.
    (out as unknown as { isKnown: Promise<boolean> }).isKnown.then((known) => known || resolve(undefined as T));
  });
}

async function resolveOutputs(pulumi: Pulumi, exported: Props): Promise<Props> {
  const plain: Props = {};
  for (const [key, value] of Object.entries(exported ?? {})) {
    if (key === "default" || key === "__esModule") continue;
    plain[key] = await promiseOf(pulumi, value);
  }
  return plain;
}
