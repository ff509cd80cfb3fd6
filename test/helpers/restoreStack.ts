/**
 * The restore stack end to end on real servers: a seeded source Postgres, s3rver holding its dumps, and
 * Pulumi's dynamic provider host. `upRestore` is `pulumi up` through the harness's engine, the server's
 * real outputs flowing into the restore's inputs; a later up with the previous state keeps the server
 * (its inputs did not change) and replaces the restore, as a new month's backup does.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Deployed, InProcessUp, upInProcess } from "../../harness/engine";
import { ProviderHost, startProviderHost } from "../../harness/providerHost";
import { readStackConfig } from "../../config/stackFile";
import { withPgClient } from "../../lib/postgres";

type Props = Record<string, any>;
import { LocalPostgres, startPostgres } from "../../sim/services/postgres";
import { LocalS3, S3RVER_CREDENTIALS, startS3 } from "../../sim/services/s3";
import { DumpType } from "../../restore/dumpType";
import { runStack } from "./program";
import { withFreshModules } from "./isolated";
import { dumpDatabase, seedDatabase, SeedSummary } from "../../sim/fixtures/backups";

export const BUCKET = "backups";
const SOURCE_DB = "shop";
export const POSTGRES_RESOURCE = "spec1-restore-postgres";
export const RESTORE_RESOURCE = "spec1-restore-restore";
export const S3_SECRETS = { s3AccessKeyId: S3RVER_CREDENTIALS.accessKeyId, s3SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey };

export interface RestoreWorld {
  readonly source: LocalPostgres;
  readonly s3: LocalS3;
  readonly host: ProviderHost;
  readonly seed: SeedSummary;
  /** Real dumps of the seeded database, by type. */
  readonly dumps: Readonly<Record<DumpType, string>>;
  /** The provider host's TMPDIR: whatever the restore leaves behind shows up here. */
  readonly tmpDir: string;
  /** Scratch space for the test itself (dumps, reports). */
  readonly workDir: string;
  readonly reportDir: string;
  /** The restore stack's config for `prefix`, local engine, with overrides merged per top-level key. */
  config(prefix: string, overrides?: Props): Props;
  stop(): Promise<void>;
}

export async function startRestoreWorld(types: readonly DumpType[]): Promise<RestoreWorld> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-restore-test-"));
  // The local engine's server runs as the postgres OS user under tmpDir: it must be able to get there.
  fs.chmodSync(workDir, 0o755);
  const tmpDir = path.join(workDir, "host-tmp");
  const reportDir = path.join(workDir, "ops-log");
  fs.mkdirSync(tmpDir, { mode: 0o755 });
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const source = await startPostgres();
    started.push(source);
    const s3 = await startS3({ buckets: [BUCKET] });
    started.push(s3);
    // The host's TMPDIR is private to this world, so a leaked temp file is seen (and cleaned up).
    const host = await withEnv({ TMPDIR: tmpDir }, () => startProviderHost());
    started.push(host);
    const seed = await seedDatabase(source, SOURCE_DB);
    const dumps = {} as Record<DumpType, string>;
    for (const type of types) {
      dumps[type] = path.join(workDir, `dump.${type}`);
      await dumpDatabase(source, SOURCE_DB, type, dumps[type]);
    }
    const config = (prefix: string, overrides: Props = {}) => ({
      backup: { endpoint: s3.endpoint, bucket: BUCKET, prefix, ...overrides.backup },
      disposablePostgres: { engine: "local", binDir: source.binDir, ...overrides.disposablePostgres },
      restore: { reportsDir: reportDir, jobs: 2, ...overrides.restore },
      ...(overrides.smoke ? { smoke: overrides.smoke } : {}),
    });
    return { source, s3, host, seed, dumps, tmpDir, workDir, reportDir, config, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

export interface CapturedRestore {
  readonly postgres: Props;
  readonly restore: Props;
  readonly outputs: Props;
}

/** Runs the restore stack's program under mocks (no engine) and returns its two dynamic resources' inputs. */
export async function captureRestoreStack(
  world: RestoreWorld,
  prefix: string,
  overrides?: Props,
  preview = false,
): Promise<CapturedRestore> {
  const run = await runStack("restore", { config: world.config(prefix, overrides), secrets: S3_SECRETS, preview });
  return { postgres: run.byName(POSTGRES_RESOURCE).inputs, restore: run.byName(RESTORE_RESOURCE).inputs, outputs: run.outputs };
}

export interface RestoreUp {
  /** The stack's state after the up (the server, and the restore when it passed). */
  readonly state: Map<string, Deployed>;
  /** The disposable server's outputs. */
  readonly server: Props;
  /** The disposable server's error as the engine reports it; throws when it was created. */
  serverFailure(): string;
  /** How long the disposable server's step took in the provider host (ms), created or failed. */
  serverStepMs(): number;
  /** The restore's outputs; throws with its error when it failed. */
  restored(): Props;
  /** The restore's error as the engine reports it; throws when it passed. */
  failure(): string;
}

/** `pulumi up` of the restore stack for `prefix`, after the up that left `previous`, its resources stepped by `host`. */
export async function upRestore(
  world: RestoreWorld,
  prefix: string,
  overrides?: Props,
  previous?: ReadonlyMap<string, Deployed>,
  host: ProviderHost = world.host,
): Promise<RestoreUp> {
  let up: InProcessUp | undefined;
  await withFreshModules(async () => {
    const pulumi = require("@pulumi/pulumi");
    const opts = { stack: "restore", config: { ...readStackConfig("restore"), ...world.config(prefix, overrides) }, secrets: S3_SECRETS };
    up = await upInProcess(pulumi, async () => require("../../index"), opts, host, previous);
  });
  const { state, steps } = up!;
  const step = (name: string) => steps.find((s) => s.name === name) ?? { name, status: "not run" as const, reason: "never registered" };
  const server = state.get(POSTGRES_RESOURCE);
  return {
    state,
    get server() {
      if (!server) throw new Error(`no disposable server: ${JSON.stringify(step(POSTGRES_RESOURCE))}`);
      return server.outs;
    },
    serverStepMs() {
      const r = step(POSTGRES_RESOURCE);
      if (!("ms" in r)) throw new Error(`the disposable server had no step: ${JSON.stringify(r)}`);
      return r.ms as number;
    },
    serverFailure() {
      const r = step(POSTGRES_RESOURCE);
      if (r.status !== "failed") throw new Error(`the disposable server did not fail: ${JSON.stringify(r)}`);
      return r.error;
    },
    restored() {
      const r = step(RESTORE_RESOURCE);
      if (r.status !== "done") throw new Error(`the restore did not pass: ${JSON.stringify(r)}`);
      return r.outs;
    },
    failure() {
      const r = step(RESTORE_RESOURCE);
      if (r.status !== "failed") throw new Error(`the restore did not fail: ${JSON.stringify(r)}`);
      return r.error;
    },
  };
}

/**
 * The restore's inputs with a given server as its target: for the probes that need a moment the engine
 * cannot be stopped at (the object store going down between lookup and download) or a target the engine
 * would never pass (an impostor).
 */
export function withTarget(restoreInputs: Props, serverOuts: Props): Props {
  const { engine, instanceId, host, port, user, password, binDir, baseDir, container } = serverOuts;
  const target = JSON.parse(JSON.stringify({ engine, instanceId, host, port, user, password, binDir, baseDir, container }));
  return { ...restoreInputs, target };
}

/**
 * What the restore left in the host's temp dir, other than the disposable server's own dir and the
 * compile cache of the host's TypeScript loader (providers/host/v1.js), which is the host's, not the restore's.
 */
export function leftovers(world: RestoreWorld): string[] {
  return fs.readdirSync(world.tmpDir).filter((name) => !name.startsWith("spec1-pg-") && !/^tsx-\d+$/.test(name));
}

/** Rows of a query on a database of `server` (a server's outputs), as the DBA would see them. */
export async function queryServer(server: Props, database: string, sql: string): Promise<Record<string, unknown>[]> {
  const { host, port, user, password } = server;
  const bounds = { connectTimeoutMs: 10000, queryTimeoutMs: 30000 };
  return withPgClient({ host, port, user, password, database }, bounds, async (client) => (await client.query(sql)).rows);
}
