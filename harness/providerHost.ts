/**
 * Drives Pulumi's own dynamic provider host (the process `pulumi up` starts for `pulumi.dynamic.Resource`)
 * over gRPC, the way the engine does: Configure once, then Check/Diff/Create/Update/Delete with the
 * inputs and the serialized `__provider` captured from the program. Secret wrappers are stripped first,
 * as the engine does for a provider that answers `acceptSecrets=false`.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as readline from "readline";
import type { CommandLine } from "../lib/exec";
import { Props, SECRET_SIG, SECRET_VALUE } from "./program";

export type { Props } from "./program";

const grpc = require("@grpc/grpc-js");
const provrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
const provproto = require("@pulumi/pulumi/proto/provider_pb");
const structproto = require("google-protobuf/google/protobuf/struct_pb");

const PROJECT_ROOT = path.resolve(__dirname, "..");
const HOST_SCRIPT = path.join(PROJECT_ROOT, "node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js");

export type DiffChanges = "none" | "some" | "unknown";

export interface DiffResult {
  readonly changes: DiffChanges;
  readonly replaces: string[];
  readonly deleteBeforeReplace: boolean;
}

/** A provider error as the engine receives it: gRPC status and the provider's message. */
export class ProviderCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    details: string,
  ) {
    super(details);
    this.name = "ProviderCallError";
  }
}

/** Replaces every `{[SECRET_SIG]: SECRET_VALUE, value}` by its value, recursively. */
export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value && typeof value === "object") {
    const obj = value as Props;
    if (obj[SECRET_SIG] === SECRET_VALUE) return stripSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, stripSecrets(v)]));
  }
  return value;
}

export interface ProviderHost {
  readonly port: number;
  /** The host's process id: a test kills it as a runner's job cancellation would. */
  readonly pid: number;
  check(name: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  diff(name: string, id: string, olds: Props, news: Props): Promise<DiffResult>;
  create(name: string, props: Props): Promise<{ id: string; outs: Props }>;
  update(name: string, id: string, olds: Props, news: Props): Promise<Props>;
  delete(name: string, id: string, props: Props): Promise<void>;
  /** Everything the host printed after its port line, stdout and stderr (pulumi.log.* lands here). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Each line the host prints, as it prints it (progress for the rehearsal). */
  readonly onLine?: (line: string) => void;
  /** Bound on the host's start-up. */
  readonly startTimeoutMs?: number;
  readonly stack?: string;
}

/**
 * Pulumi's dynamic provider host as `pulumi up` starts it: any engine address works (none is called),
 * and it must run from the project root, where providers `require("@pulumi/pulumi")`.
 */
export function providerHostCommand(stack: string): CommandLine {
  return { command: process.execPath, args: [HOST_SCRIPT, "127.0.0.1:1"], env: { PULUMI_PROJECT: "spec1", PULUMI_STACK: stack } };
}

export async function startProviderHost(opts: StartOptions = {}): Promise<ProviderHost> {
  const cmd = providerHostCommand(opts.stack ?? "test");
  const child = spawn(cmd.command, cmd.args, { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...cmd.env } });
  const lines: string[] = [];
  const port = await readPort(child, lines, opts);
  const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const stack = opts.stack ?? "test";
  // The host reads only the name from the URN (in its log lines); the type is not its concern.
  const urn = (name: string) => `urn:pulumi:${stack}::spec1::pulumi-nodejs:dynamic:Resource::${name}`;
  const call = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](req, (err: { code: number; details: string } | null, resp: T) =>
        err ? reject(new ProviderCallError(method, err.code, err.details)) : resolve(resp),
      ),
    );
  const struct = (p: Props) => structproto.Struct.fromJavaScript(stripSecrets(p));
  /** A request for resource `name` with the fields its method takes. */
  const request = (Type: any, name: string, fields: { id?: string; olds?: Props; news?: Props; properties?: Props }) => {
    const req = new Type();
    req.setUrn(urn(name));
    if (fields.id !== undefined) req.setId(fields.id);
    if (fields.olds) req.setOlds(struct(fields.olds));
    if (fields.news) req.setNews(struct(fields.news));
    if (fields.properties) req.setProperties(struct(fields.properties));
    return req;
  };

  const configure = new provproto.ConfigureRequest();
  configure.setArgs(structproto.Struct.fromJavaScript({}));
  await call("configure", configure);

  return {
    port,
    pid: child.pid!,
    async check(name, olds, news) {
      const resp = await call<any>("check", request(provproto.CheckRequest, name, { olds, news }));
      return {
        inputs: resp.getInputs().toJavaScript(),
        failures: resp.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(name, id, olds, news) {
      const resp = await call<any>("diff", request(provproto.DiffRequest, name, { id, olds, news }));
      const kinds = provproto.DiffResponse.DiffChanges;
      const changes: DiffChanges =
        resp.getChanges() === kinds.DIFF_SOME ? "some" : resp.getChanges() === kinds.DIFF_NONE ? "none" : "unknown";
      return { changes, replaces: resp.getReplacesList(), deleteBeforeReplace: resp.getDeletebeforereplace() };
    },
    async create(name, properties) {
      const resp = await call<any>("create", request(provproto.CreateRequest, name, { properties }));
      return { id: resp.getId(), outs: resp.getProperties().toJavaScript() };
    },
    async update(name, id, olds, news) {
      const resp = await call<any>("update", request(provproto.UpdateRequest, name, { id, olds, news }));
      return resp.getProperties().toJavaScript();
    },
    async delete(name, id, properties) {
      await call("delete", request(provproto.DeleteRequest, name, { id, properties }));
    },
    output: () => lines.join("\n"),
    stop: async () => {
      client.close();
      // A host killed by a signal has exitCode null but signalCode set: it has exited, do not wait again.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

function readPort(child: ChildProcess, lines: string[], opts: StartOptions): Promise<number> {
  // Node, @pulumi/pulumi and tsx load in ~2 s on a quiet machine; a 2-core runner busy with the suite's servers and
  // Docker took over 15 s (seen in the clean-clone run), so the harness allows 45 s before calling the host dead.
  const timeoutMs = opts.startTimeoutMs ?? 45000;
  return new Promise((resolve, reject) => {
    let port: number | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`dynamic provider host printed no port within ${timeoutMs}ms`));
    }, timeoutMs);
    const stderr: string[] = [];
    readline.createInterface({ input: child.stderr! }).on("line", (line) => {
      if (port === undefined) stderr.push(line);
      else (lines.push(line), opts.onLine?.(line));
    });
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (port === undefined) {
        port = Number(line.trim());
        clearTimeout(timer);
        resolve(port);
        return;
      }
      lines.push(line);
      opts.onLine?.(line);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (port === undefined) reject(new Error(`dynamic provider host exited (${code}): ${stderr.join("\n")}`));
    });
  });
}

/**
 * A provider host that is still starting, as Pulumi's engine starts a plugin while the program runs: each
 * call waits for it. Its port and pid are known once it has started.
 */
export function whenStarted(starting: Promise<ProviderHost>): ProviderHost {
  let host: ProviderHost | undefined;
  starting.then((h) => (host = h)).catch(() => undefined);
  const started = () => {
    if (!host) throw new Error("the provider host has not started yet");
    return host;
  };
  return {
    get port() {
      return started().port;
    },
    get pid() {
      return started().pid;
    },
    check: async (...args) => (await starting).check(...args),
    diff: async (...args) => (await starting).diff(...args),
    create: async (...args) => (await starting).create(...args),
    update: async (...args) => (await starting).update(...args),
    delete: async (...args) => (await starting).delete(...args),
    output: () => host?.output() ?? "",
    stop: async () => (await starting).stop(),
  };
}
