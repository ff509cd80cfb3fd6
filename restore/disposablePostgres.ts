/**
 * The disposable Postgres as a resource: created by `pulumi up`, removed by `pulumi destroy`, kept when
 * the restore fails (the pipeline skips the destroy). Its password is generated here, inside the
 * provider, and returned as a secret output: @pulumi/random is not a dependency, and a password made in
 * the program would have to live in config or in the provider's inputs. The instance id it writes into
 * the server's settings is what the restore checks before touching the target.
 */
import * as pulumi from "@pulumi/pulumi";
import { canonicalJson } from "../checks/provider.logic";
import { dockerRemoveCommand, dockerRunCommand } from "./commands";
import { runCommand } from "../lib/exec";
import { startLocalCluster, stopLocalCluster } from "./localEngine";
import { TargetServer, waitForServer } from "./target";

export interface DisposablePostgresArgs {
  /** `docker` (the runbook's postgres:16 container) or `local` (initdb/pg_ctl on the runner). */
  readonly engine: pulumi.Input<"docker" | "local">;
  /** Port on 127.0.0.1; 0 = a free port (local engine). */
  readonly port: pulumi.Input<number>;
  /** docker engine: image, e.g. postgres:16. */
  readonly image: pulumi.Input<string>;
  /** local engine: PostgreSQL bin dir; unset = the newest /usr/lib/postgresql/<major>/bin. */
  readonly binDir?: pulumi.Input<string>;
  /** Bound on the wait until the server answers. */
  readonly startTimeoutMs: pulumi.Input<number>;
  /** Server settings (-c key=value). */
  readonly settings: pulumi.Input<Record<string, string>>;
}

interface Inputs {
  engine: "docker" | "local";
  port: number;
  image: string;
  binDir?: string;
  startTimeoutMs: number;
  settings: Record<string, string>;
}

type Outputs = TargetServer & { requested: { port: number; image: string; binDir?: string; settings: Record<string, string> } };

/** The bin dir of the highest major among `/usr/lib/postgresql/<major>` entries. */
export function newestBinDir(root: string, entries: readonly string[]): string {
  const majors = entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => b - a);
  if (majors.length === 0)
    throw new Error(`no PostgreSQL under ${root}: install postgresql (scripts/setup) or set disposablePostgres.binDir`);
  return `${root}/${majors[0]}/bin`;
}

const POSTGRES_ROOT = "/usr/lib/postgresql";

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Inputs) {
    const crypto = require("crypto");
    const fs = require("fs");
    const instanceId = `spec1-restore-${crypto.randomBytes(6).toString("hex")}`;
    const password = crypto.randomBytes(24).toString("base64url");
    const requested = { port: inputs.port, image: inputs.image, binDir: inputs.binDir, settings: inputs.settings };
    if (inputs.engine === "local") {
      const binDir = inputs.binDir ?? newestBinDir(POSTGRES_ROOT, fs.readdirSync(POSTGRES_ROOT));
      pulumi.log.info(`starting a local Postgres (${binDir}) on 127.0.0.1`);
      const cluster = await startLocalCluster({
        binDir,
        port: inputs.port,
        instanceId,
        password,
        settings: inputs.settings,
        startTimeoutMs: inputs.startTimeoutMs,
      });
      pulumi.log.info(`local Postgres ${instanceId} ready on 127.0.0.1:${cluster.port} (${cluster.baseDir})`);
      const outs: Outputs = {
        engine: "local",
        instanceId,
        host: "127.0.0.1",
        port: cluster.port,
        user: "postgres",
        password,
        binDir,
        baseDir: cluster.baseDir,
        requested,
      };
      return { id: instanceId, outs: JSON.parse(JSON.stringify(outs)) };
    }
    const spec = { container: instanceId, image: inputs.image, hostPort: inputs.port, instanceId, settings: inputs.settings };
    pulumi.log.info(`starting ${inputs.image} as container ${instanceId} on 127.0.0.1:${inputs.port}`);
    await runCommand(dockerRunCommand(spec, password), { what: "docker run", timeoutMs: inputs.startTimeoutMs });
    const target: TargetServer = {
      engine: "docker",
      instanceId,
      host: "127.0.0.1",
      port: inputs.port,
      user: "postgres",
      password,
      container: instanceId,
    };
    try {
      await waitForServer(target, inputs.startTimeoutMs);
    } catch (err) {
      await runCommand(dockerRemoveCommand(instanceId), { what: "docker rm", timeoutMs: 60000 }).catch(() => undefined);
      throw err;
    }
    // Through JSON: the engine's wire format has no `undefined`.
    return { id: instanceId, outs: JSON.parse(JSON.stringify({ ...target, requested })) };
  },
  async diff(_id, olds: Outputs, news: Inputs) {
    const before = { engine: olds.engine, ...olds.requested };
    const after = { engine: news.engine, port: news.port, image: news.image, binDir: news.binDir, settings: news.settings };
    const replaces = (Object.keys(after) as (keyof typeof after)[]).filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k]));
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
  },
  async delete(_id, olds: Outputs) {
    if (olds.engine === "local") {
      await stopLocalCluster({ baseDir: olds.baseDir!, dataDir: `${olds.baseDir}/data` }, olds.binDir!);
      return;
    }
    await runCommand(dockerRemoveCommand(olds.container!), { what: "docker rm", timeoutMs: 60000 }).catch((err: Error) => {
      if (!/No such container/i.test(err.message)) throw err;
    });
  },
};

export class DisposablePostgres extends pulumi.dynamic.Resource {
  declare readonly engine: pulumi.Output<"docker" | "local">;
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly user: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;
  declare readonly binDir: pulumi.Output<string | undefined>;
  declare readonly baseDir: pulumi.Output<string | undefined>;
  declare readonly container: pulumi.Output<string | undefined>;

  constructor(name: string, args: DisposablePostgresArgs, opts?: pulumi.CustomResourceOptions) {
    const outputs = {
      instanceId: undefined,
      host: undefined,
      user: undefined,
      password: undefined,
      baseDir: undefined,
      container: undefined,
      requested: undefined,
    };
    super(provider, name, { ...args, ...outputs }, { ...opts, additionalSecretOutputs: ["password"] });
  }
}
