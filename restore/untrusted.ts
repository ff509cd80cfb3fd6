/**
 * A backup is untrusted input: whoever can write the bucket (the worker's S3 credentials) chooses what the
 * restore runs. So the dump runs with no more power than the restored data needs (docs/restore-test.md,
 * "Trust model"):
 * - a per-run role owns the database and restores it: not a superuser, so COPY … TO PROGRAM, untrusted
 *   extensions (file_fdw), ALTER SYSTEM and CREATE ROLE fail; its password exists only on the verified server,
 *   so a server that took over the port cannot log the tools in;
 * - the smoke SQL runs as a second role that can only read, with our own statement timeout before each query;
 * - psql reads the dump behind `\restrict <key>` (a key the dump cannot know), so `\!`, `\o` and every other
 *   meta-command in it fail; a dump's own `\restrict`/`\unrestrict` pair (pg_dump ≥ 15.14 writes one) is
 *   dropped, since ours must stay in force;
 * - after the tool ends, however it ends, every backend of the restore role is terminated: a `DO` loop
 *   must not keep running on a kept server after its psql was stopped.
 */
import { randomBytes } from "crypto";
import { Transform, TransformCallback } from "stream";
import { StringDecoder } from "string_decoder";
import type { Client } from "pg";
import { withPgClient } from "../lib/postgres";
import { maintenanceEndpoint, TargetServer } from "./target";

export const RESTORE_ROLE = "spec1_restore";
export const SMOKE_ROLE = "spec1_smoke";

export interface RoleLogin {
  readonly user: string;
  readonly password: string;
}

export interface RunRoles {
  readonly restore: RoleLogin;
  readonly smoke: RoleLogin;
}

/** Fresh passwords for this run (base64url: safe inside a SQL literal). */
export function newRunRoles(): RunRoles {
  const password = () => randomBytes(24).toString("base64url");
  return { restore: { user: RESTORE_ROLE, password: password() }, smoke: { user: SMOKE_ROLE, password: password() } };
}

/** Throws unless this session is on the disposable server: every session that changes anything checks first. */
export async function assertInstance(client: Client, target: Pick<TargetServer, "host" | "port" | "instanceId">): Promise<void> {
  const { rows } = await client.query("SELECT current_setting('spec1.instance_id', true) AS id");
  const id = rows[0]?.id ?? null;
  if (id !== target.instanceId) {
    throw new Error(
      `refusing to restore into ${target.host}:${target.port}: the server there is no longer the disposable Postgres this stack created ` +
        `(expected spec1.instance_id ${target.instanceId}, the server reports ${id ?? "none"}); another server took over the port`,
    );
  }
}

const MAINTENANCE_CONNECT_MS = 10000;

/**
 * On the verified server, in one session that checks its identity first: the database dropped and created
 * again, owned by this run's restore role, reachable only by the two roles.
 */
export async function prepareDatabase(target: TargetServer, database: string, roles: RunRoles, timeoutMs: number): Promise<void> {
  const bounds = { connectTimeoutMs: MAINTENANCE_CONNECT_MS, queryTimeoutMs: timeoutMs };
  await withPgClient(maintenanceEndpoint(target), bounds, async (client) => {
    await assertInstance(client, target);
    // A kept database from an earlier failed run is replaced; its roles with it (they own nothing else).
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    for (const role of [roles.restore, roles.smoke]) {
      await client.query(`DROP ROLE IF EXISTS ${role.user}`);
      await client.query(
        `CREATE ROLE ${role.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${role.password}'`,
      );
    }
    await client.query(`ALTER ROLE ${roles.smoke.user} SET default_transaction_read_only = on`);
    await client.query(`CREATE DATABASE "${database}" OWNER ${roles.restore.user}`);
    await client.query(`REVOKE ALL ON DATABASE "${database}" FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE "${database}" TO ${roles.smoke.user}`);
  });
}

/** The smoke role may read every table of every schema the dump made (as the superuser, in the database). */
export async function grantSmokeReads(target: TargetServer, database: string, roles: RunRoles, timeoutMs: number): Promise<void> {
  const bounds = { connectTimeoutMs: MAINTENANCE_CONNECT_MS, queryTimeoutMs: timeoutMs };
  await withPgClient({ ...maintenanceEndpoint(target), database }, bounds, async (client) => {
    await assertInstance(client, target);
    const { rows } = await client.query(
      "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'",
    );
    for (const { nspname } of rows as { nspname: string }[]) {
      const schema = `"${nspname.replace(/"/g, '""')}"`;
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${roles.smoke.user}`);
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${roles.smoke.user}`);
    }
  });
}

/** Ends every backend of these roles (a loop a tool or a smoke query left running), as the superuser; returns how many. */
export async function endSessions(target: TargetServer, logins: readonly RoleLogin[]): Promise<number> {
  const bounds = { connectTimeoutMs: MAINTENANCE_CONNECT_MS, queryTimeoutMs: 30000 };
  return withPgClient(maintenanceEndpoint(target), bounds, async (client) => {
    await assertInstance(client, target);
    const { rows } = await client.query(
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = ANY($1::text[])",
      [logins.map((l) => l.user)],
    );
    return rows[0].n as number;
  });
}

/** A dump's own `\restrict <key>` / `\unrestrict <key>` lines (pg_dump ≥ 15.14): only ours may be in force. */
const DUMP_RESTRICT_LINE = /^\\(un)?restrict [A-Za-z0-9]+\r?$/;
/**
 * What pg_restore's --no-owner and --no-privileges leave out of an archive, as pg_dump writes it in a plain
 * dump (one statement per line): the restore role can neither give objects away nor grant to roles that
 * exist only in production.
 */
const OWNER_OR_ACL_LINE = /^(ALTER [A-Z ]+ .+ OWNER TO [^;]+|GRANT .+|REVOKE .+);\r?$/;
const COPY_START = /^COPY .+ FROM stdin;\r?$/;

/**
 * Which lines of a plain dump psql may run: outside COPY data (whose lines are values, up to `\.`), a dump's
 * own restrict lines and its owner and privilege statements are dropped.
 */
export function plainDumpFilter(): (line: string) => boolean {
  let inCopy = false;
  return (line) => {
    if (inCopy) {
      if (/^\\\.\r?$/.test(line)) inCopy = false;
      return true;
    }
    if (COPY_START.test(line)) inCopy = true;
    return !DUMP_RESTRICT_LINE.test(line) && !OWNER_OR_ACL_LINE.test(line);
  };
}

/**
 * What psql reads for a plain dump: a check that this session is on the disposable server (plain SQL: an
 * error stops psql under ON_ERROR_STOP), our `\restrict`, then the dump through plainDumpFilter.
 */
export function restrictedPsqlInput(dump: NodeJS.ReadableStream, instanceId: string, key = randomBytes(24).toString("hex")): Transform {
  let partial = "";
  const keep = plainDumpFilter();
  // A chunk may end inside a multi-byte character: decode across chunks.
  const decoder = new StringDecoder("utf8");
  const filter = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      const lines = (partial + decoder.write(chunk)).split("\n");
      partial = lines.pop() ?? "";
      done(
        null,
        lines
          .filter(keep)
          .map((l) => `${l}\n`)
          .join(""),
      );
    },
    flush(done: TransformCallback) {
      const last = partial + decoder.end();
      done(null, keep(last) ? last : "");
    },
  });
  filter.push(
    `DO $spec1$ BEGIN IF current_setting('spec1.instance_id', true) IS DISTINCT FROM '${instanceId}' THEN ` +
      `RAISE EXCEPTION 'refusing to restore: this server is not the disposable Postgres ${instanceId}'; END IF; END $spec1$;\n` +
      `\\restrict ${key}\n`,
  );
  dump.on("error", (err) => filter.destroy(err as Error));
  return dump.pipe(filter);
}

/**
 * A restore that failed for want of a superuser's power says so: the dump needs more than restoring data. The
 * server's words differ by version: COPY to a program or file is "must be superuser or have privileges of the
 * pg_execute_server_program role …" up to 15 and "permission denied to COPY to or from an external program" / "… COPY
 * from a file" from 16 (postgres src/backend/commands/copy.c, DoCopy), which the docker engine's 17 image answers.
 */
const NEEDS_PRIVILEGE =
  /must be superuser|permission denied to (create|alter|set|COPY)|permission denied for (function|language)|must be owner of extension|pg_execute_server_program|backslash commands are restricted/i;

export function explainPrivilegeFailure(message: string): string {
  if (!NEEDS_PRIVILEGE.test(message)) return message;
  return (
    `${message} — the dump asked for more than restoring data (a superuser's power, a program, or a psql meta-command), ` +
    `which the restore refuses: backups are untrusted input (docs/restore-test.md, "Trust model"); make the backup job dump data only (pg_dump --no-owner --no-privileges), or restore this one by hand after reading it`
  );
}
