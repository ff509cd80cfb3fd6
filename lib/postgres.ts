/**
 * Postgres as this project reaches it: one client builder, bounded at connect and per query, and where
 * the runner's own PostgreSQL binaries are (Debian's /usr/lib/postgresql/<major>/bin, newest major).
 */
import * as fs from "fs";
import type { Client } from "pg";

export interface PgEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface PgBounds {
  /** Ends once the server has logged us in: each query has its own bound. */
  readonly connectTimeoutMs: number;
  /** Client-side bound on every query (node-postgres `query_timeout`). */
  readonly queryTimeoutMs: number;
  /** Server settings for the session, e.g. `-c default_transaction_read_only=on`. */
  readonly options?: string;
  /** Every value as text, as psql shows it. */
  readonly textValues?: boolean;
}

/** A client that is not connected yet. Required inside the function: providers reach this module by value. */
export function pgClient(endpoint: PgEndpoint, bounds: PgBounds): Client {
  const { Client: PgClient } = require("pg") as typeof import("pg");
  const client = new PgClient({
    host: endpoint.host,
    port: endpoint.port,
    user: endpoint.user,
    password: endpoint.password,
    database: endpoint.database,
    connectionTimeoutMillis: bounds.connectTimeoutMs,
    query_timeout: bounds.queryTimeoutMs,
    ...(bounds.options ? { options: bounds.options } : {}),
    ...(bounds.textValues ? { types: { getTypeParser: () => (v: string) => v } } : {}),
  });
  // A server that drops the connection while no query is pending makes the client emit 'error'; with no
  // listener that ends the process (the provider host). A pending query or connect rejects with it anyway.
  client.on("error", () => undefined);
  return client;
}

/** Runs `use` on a connected client and ends it whatever happens. */
export async function withPgClient<T>(endpoint: PgEndpoint, bounds: PgBounds, use: (client: Client) => Promise<T>): Promise<T> {
  const client = pgClient(endpoint, bounds);
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const POSTGRES_ROOT = "/usr/lib/postgresql";

/** The bin dir of the highest major among `<root>/<major>` entries. */
export function newestBinDir(root: string, entries: readonly string[]): string {
  const majors = entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => b - a);
  if (majors.length === 0)
    throw new Error(`no PostgreSQL under ${root}: install postgresql (scripts/setup) or set disposablePostgres.binDir`);
  return `${root}/${majors[0]}/bin`;
}

/** The runner's newest PostgreSQL bin dir. */
export function runnerBinDir(): string {
  return newestBinDir(POSTGRES_ROOT, fs.existsSync(POSTGRES_ROOT) ? fs.readdirSync(POSTGRES_ROOT) : []);
}
