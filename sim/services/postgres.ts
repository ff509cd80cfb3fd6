/**
 * A private Postgres on a loopback port, for tests and the rehearsal: the restore stack's `local` engine
 * (restore/localEngine.ts) with a random port, instance id and password. Stopped and removed by `stop()`.
 */
import { randomBytes } from "crypto";
import { LocalCluster, startLocalCluster, stopLocalCluster } from "../../restore/localEngine";
import { DISPOSABLE_SERVER_SETTINGS } from "../../restore/commands";
import { runnerBinDir } from "../../lib/postgres";

/** The runner's newest PostgreSQL, installed by scripts/setup. */
export const POSTGRES_BIN_DIR = runnerBinDir();

export interface LocalPostgres extends LocalCluster {
  readonly password: string;
  readonly instanceId: string;
  readonly binDir: string;
  /** node-postgres connection settings for `database` (default `postgres`). */
  connection(database?: string): { host: string; port: number; user: string; password: string; database: string };
  stop(): Promise<void>;
}

export async function startPostgres(opts: { port?: number; binDir?: string } = {}): Promise<LocalPostgres> {
  const binDir = opts.binDir ?? POSTGRES_BIN_DIR;
  const password = randomBytes(12).toString("hex");
  const instanceId = `local-${randomBytes(6).toString("hex")}`;
  const cluster = await startLocalCluster({
    binDir,
    port: opts.port ?? 0,
    instanceId,
    password,
    settings: DISPOSABLE_SERVER_SETTINGS,
    startTimeoutMs: 30000,
  });
  return {
    ...cluster,
    password,
    instanceId,
    binDir,
    connection: (database = "postgres") => ({ host: cluster.host, port: cluster.port, user: cluster.user, password, database }),
    stop: () => stopLocalCluster(cluster, binDir),
  };
}
