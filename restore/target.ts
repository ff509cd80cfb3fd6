/**
 * The disposable server's identity. Whoever creates it writes a fresh `spec1.instance_id` into its
 * settings; the restore reads it back before it drops or creates anything, so it can only ever write
 * into the server this stack created — never into a server that happens to answer on that port.
 */
import { pollUntil } from "../lib/poll";
import { PgEndpoint, withPgClient } from "../lib/postgres";

export interface TargetServer {
  readonly engine: "local" | "docker";
  readonly instanceId: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** local engine: where pg_restore/psql are, and the private dir of the cluster. */
  readonly binDir?: string;
  readonly baseDir?: string;
  /** docker engine: the container. */
  readonly container?: string;
}

const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

type Credentials = Pick<TargetServer, "host" | "port" | "user" | "password">;

/**
 * The server's `postgres` database, for its own settings and for creating the restore's database. The
 * connect bound ends once the server is ready: each query has its own.
 */
export function maintenanceEndpoint(t: Credentials): PgEndpoint {
  return { host: t.host, port: t.port, user: t.user, password: t.password, database: "postgres" };
}

async function readInstanceId(t: Credentials, timeoutMs: number): Promise<string | null> {
  return withPgClient(maintenanceEndpoint(t), { connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs }, async (client) => {
    const { rows } = await client.query("SELECT current_setting('spec1.instance_id', true) AS id");
    return rows[0].id ?? null;
  });
}

/** How often a starting server's process is asked whether it is still alive (a docker inspect costs tens of ms). */
const LIVENESS_EVERY_MS = 1000;

/**
 * Bounded wait until the server answers and reports `instanceId`. `died`, asked about once a second, says
 * why the server can no longer come up (its process exited), which ends the wait at once with that reason.
 */
export async function waitForServer(
  t: Credentials & Pick<TargetServer, "instanceId">,
  deadlineMs: number,
  died?: () => Promise<string | null>,
): Promise<void> {
  let livenessAt = Date.now() + LIVENESS_EVERY_MS;
  await pollUntil<void>(
    async (remainingMs) => {
      let seen: string;
      try {
        const id = await readInstanceId(t, Math.min(remainingMs, 2000));
        if (id === t.instanceId) return { done: true, value: undefined };
        seen = `a server with spec1.instance_id ${id ?? "unset"}`;
      } catch (err) {
        seen = (err as Error).message;
      }
      if (died && Date.now() >= livenessAt) {
        livenessAt = Date.now() + LIVENESS_EVERY_MS;
        const reason = await died();
        if (reason !== null) throw new Error(`disposable Postgres on ${t.host}:${t.port} did not start: ${reason}`);
      }
      return { done: false, seen };
    },
    { what: `disposable Postgres on ${t.host}:${t.port} ready`, deadlineMs, intervalMs: 100 },
  );
}

/** Throws unless `t` is the disposable server it claims to be. */
export async function verifyTarget(t: TargetServer): Promise<void> {
  const where = `${t.host}:${t.port}`;
  if (!LOOPBACK.includes(t.host)) {
    throw new Error(`refusing to restore into ${where}: the disposable Postgres always listens on 127.0.0.1, this is another server`);
  }
  let id: string | null;
  try {
    id = await readInstanceId(t, 5000);
  } catch (err) {
    throw new Error(
      `refusing to restore into ${where}: cannot confirm it is the disposable Postgres ${t.instanceId} (${(err as Error).message})`,
    );
  }
  if (id !== t.instanceId) {
    throw new Error(
      `refusing to restore into ${where}: it is not the disposable Postgres this stack created (expected spec1.instance_id ${t.instanceId}, the server reports ${id ?? "none"})`,
    );
  }
}

/**
 * How the DBA reaches the kept database after a failed restore (the password stays out of logs). When the
 * run failed before it (re)created `database`, nothing was restored: the hint says so and names the server,
 * since a `database` left there is an earlier run's.
 */
export function dbaInstructions(t: TargetServer, database: string, databaseCreated: boolean): string {
  const db = databaseCreated ? database : "postgres";
  const psql = `psql -h ${t.host} -p ${t.port} -U ${t.user} ${db}`;
  const password = "password: the secret output `password` of the disposable Postgres resource (pulumi stack export --show-secrets)";
  const how =
    t.engine === "docker"
      ? `docker exec -it ${t.container} psql -U postgres ${db}   (or ${psql}; ${password}; a container stopped by a reboot comes back with its data by \`docker start ${t.container}\`)`
      : `${psql}   (${password}; data dir ${t.baseDir})`;
  const what = databaseCreated
    ? "The database is kept for debugging"
    : `The run failed before it restored anything (${database} was not created by this run; one found there is an earlier run's). The server is kept`;
  return `${what}: ${how}. Run \`pulumi destroy\` on this stack when done.`;
}
