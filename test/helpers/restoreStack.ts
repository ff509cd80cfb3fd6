/**
 * The restore stack end to end on real servers: a seeded source Postgres, s3rver holding its dumps, and
 * Pulumi's dynamic provider host. The program runs under mocks (runStack) to capture the resources'
 * inputs; the host then creates them as `pulumi up` would, passing the disposable server's real outputs
 * into the restore's inputs as the engine does.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProviderHost, startProviderHost } from "../../harness/providerHost";

type Props = Record<string, any>;
import { LocalPostgres, startPostgres } from "../../sim/services/postgres";
import { LocalS3, S3RVER_CREDENTIALS, startS3 } from "../../sim/services/s3";
import { DumpType } from "../../restore/dumpType";
import { runStack } from "./program";
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

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
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

/** Runs the restore stack's program under mocks and returns its two dynamic resources' inputs. */
export async function captureRestoreStack(
  world: RestoreWorld,
  prefix: string,
  overrides?: Props,
  preview = false,
): Promise<CapturedRestore> {
  const run = await runStack("restore", { config: world.config(prefix, overrides), secrets: S3_SECRETS, preview });
  return { postgres: run.byName(POSTGRES_RESOURCE).inputs, restore: run.byName(RESTORE_RESOURCE).inputs, outputs: run.outputs };
}

/** The restore's inputs with the disposable server's real outputs as its target, as the engine passes them. */
export function withTarget(restoreInputs: Props, serverOuts: Props): Props {
  const { engine, instanceId, host, port, user, password, binDir, baseDir, container } = serverOuts;
  const target = JSON.parse(JSON.stringify({ engine, instanceId, host, port, user, password, binDir, baseDir, container }));
  return { ...restoreInputs, target };
}

export interface Server {
  readonly id: string;
  readonly outs: Props;
  /** `pulumi destroy` of the disposable server. */
  destroy(): Promise<void>;
}

export async function createServer(world: RestoreWorld, captured: CapturedRestore): Promise<Server> {
  const { id, outs } = await world.host.create(POSTGRES_RESOURCE, captured.postgres);
  return { id, outs, destroy: () => world.host.delete(POSTGRES_RESOURCE, id, outs) };
}

/** What the restore left in the host's temp dir, other than the disposable server's own dir. */
export function leftovers(world: RestoreWorld): string[] {
  return fs.readdirSync(world.tmpDir).filter((name) => !name.startsWith("spec1-pg-"));
}

/** Rows of a query on the restored database, as the DBA would see them. */
export async function queryServer(server: Pick<Server, "outs">, database: string, sql: string): Promise<Record<string, unknown>[]> {
  const { Client } = require("pg");
  const { host, port, user, password } = server.outs;
  const client = new Client({ host, port, user, password, database });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
