/**
 * Smoke SQL on the restored database: the runbook's users count, recent sales and tickets by status by
 * default, or the configured list. Queries run as the run's read-only role (restore/untrusted.ts), on a session
 * that first checks it is on the disposable server, read-only (default_transaction_read_only) with our
 * statement timeout set again before each query, and `$1`, when a query uses it, is the backup's time, so
 * "recent" means recent to the backup.
 */
import type { Client } from "pg";
import type { SmokeExpectation, SmokeQuery } from "../config/restore";
import { PgEndpoint, withPgClient } from "../lib/postgres";
import { assertInstance } from "./untrusted";

export interface SmokeResult {
  readonly name: string;
  readonly sql: string;
  readonly columns: readonly string[];
  /** Values as text, as psql shows them. */
  readonly rows: readonly (readonly string[])[];
  /** psql-like text of the result (the "SQL output" the runbook attaches). */
  readonly output: string;
  readonly ok: boolean;
  /** Why it failed: the unmet expectation or the SQL error. */
  readonly problem?: string;
  readonly durationMs: number;
}

/** undefined when the rows meet the expectation, else what is wrong. */
export function unmetExpectation(expect: SmokeExpectation, rows: readonly (readonly string[])[]): string | undefined {
  if (expect.minRows !== undefined && rows.length < expect.minRows) {
    return `expected at least ${expect.minRows} row(s), got ${rows.length}`;
  }
  if (expect.nonZero) {
    const first = rows[0]?.[0];
    if (first === undefined || !(Number(first) !== 0 && !Number.isNaN(Number(first)))) {
      return `expected a non-zero number in the first column, got ${first === undefined ? "no row" : JSON.stringify(first)}`;
    }
  }
  return undefined;
}

/** A psql-style aligned table. */
export function renderRows(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => ` ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")}`.trimEnd();
  return [
    line(columns),
    widths.map((w) => "-".repeat(w + 2)).join("+"),
    ...rows.map(line),
    `(${rows.length} row${rows.length === 1 ? "" : "s"})`,
  ].join("\n");
}

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Runs every query (a failing one does not stop the others) on one read-only connection. */
export async function runSmokeQueries(
  conn: PgEndpoint,
  instanceId: string,
  queries: readonly SmokeQuery[],
  backupTime: Date,
  statementTimeoutMs: number,
): Promise<SmokeResult[]> {
  const bounds = {
    connectTimeoutMs: 10000,
    // Server-side bound per statement; the client-side one catches a server that stops answering.
    queryTimeoutMs: statementTimeoutMs + 5000,
    options: `-c default_transaction_read_only=on -c statement_timeout=${statementTimeoutMs}`,
    // Types as text, so the report shows exactly what psql would.
    textValues: true,
  };
  return withPgClient(conn, bounds, async (client) => {
    await assertInstance(client, { ...conn, instanceId });
    const results: SmokeResult[] = [];
    for (const query of queries) {
      // Ours again before every query: one that ran `SET statement_timeout = 0` must not lift the next one's bound.
      await client.query(`SET statement_timeout = ${Math.floor(statementTimeoutMs)}`);
      results.push(await runOne(client, query, backupTime));
    }
    return results;
  });
}

async function runOne(client: Client, query: SmokeQuery, backupTime: Date): Promise<SmokeResult> {
  const started = Date.now();
  const params = /\$1\b/.test(query.sql) ? [backupTime.toISOString()] : [];
  try {
    const res = await client.query({ text: query.sql, values: params, rowMode: "array" });
    const columns: string[] = res.fields.map((f: { name: string }) => f.name);
    const rows: string[][] = res.rows.map((r: unknown[]) => r.map(asText));
    const problem = unmetExpectation(query.expect, rows);
    return {
      name: query.name,
      sql: query.sql,
      columns,
      rows,
      output: renderRows(columns, rows),
      ok: problem === undefined,
      problem,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    const message = `ERROR: ${(err as Error).message}`;
    return {
      name: query.name,
      sql: query.sql,
      columns: [],
      rows: [],
      output: message,
      ok: false,
      problem: message,
      durationMs: Date.now() - started,
    };
  }
}
