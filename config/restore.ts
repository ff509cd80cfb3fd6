/** The restore stack's config: where backups are, the disposable Postgres, the restore and its smoke SQL. */
import { HOUR_MS, MINUTE_MS, SECOND_MS } from "../lib/time";
import {
  ConfigError,
  isObject,
  oneOf,
  optionalDuration,
  optionalNumber,
  optionalSection,
  optionalString,
  optionalUrl,
  rejectUnknownKeys,
} from "./fields";
import { REPORTS_DIR } from "./shared";

export interface SmokeExpectation {
  /** At least this many rows. */
  readonly minRows?: number;
  /** The first column of the first row is a number other than 0. */
  readonly nonZero?: boolean;
}

export interface SmokeQuery {
  readonly name: string;
  readonly sql: string;
  readonly expect: SmokeExpectation;
}

export const DEFAULT_SMOKE_QUERIES: readonly SmokeQuery[] = [
  { name: "users", sql: "SELECT count(*) AS users FROM users", expect: { nonZero: true } },
  // Counts only, as the runbook names them ("users count, recent sales, tickets by status"): a column it does
  // not name (an amount) would fail a good restore on another schema; richer checks go in configured smoke SQL.
  // count(*) always returns a row, so "recent" must be non-zero: a month without a sale fails.
  {
    name: "recent_sales",
    sql: "SELECT count(*) AS sales FROM sales WHERE created_at > $1::timestamptz - interval '30 days' AND created_at <= $1::timestamptz",
    expect: { nonZero: true },
  },
  {
    name: "tickets_by_status",
    sql: "SELECT status, count(*) AS tickets FROM tickets GROUP BY status ORDER BY status",
    expect: { minRows: 1 },
  },
];

export const ENGINES = ["docker", "local"] as const;
export type Engine = (typeof ENGINES)[number];

export interface BackupSource {
  /** S3 endpoint URL (MinIO); undefined = AWS S3. */
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  readonly prefix: string;
  /** RPO guard: the restore fails when the newest backup is older. */
  readonly maxAgeMs: number;
  /** Bound on each S3 request. */
  readonly timeoutMs: number;
}

export interface DisposablePostgresConfig {
  readonly engine: Engine;
  /** Port on 127.0.0.1; 0 = a free port (local engine only). */
  readonly port: number;
  /** docker engine: the server image. */
  readonly image: string;
  /** local engine: bin dir of initdb/pg_ctl/pg_restore/psql; undefined = the newest /usr/lib/postgresql/<major>/bin. */
  readonly binDir?: string;
  /** Bound on the wait until the server answers. */
  readonly startTimeoutMs: number;
}

export interface RestoreSettings {
  /** Database the dump is restored into (created on the disposable server). */
  readonly database: string;
  /** pg_restore --jobs; 0 = one per CPU of the runner. */
  readonly jobs: number;
  /** Bound on the restore: the tool is stopped after it. */
  readonly timeoutMs: number;
  /** Bound on each smoke SQL statement. */
  readonly statementTimeoutMs: number;
  /** Where the Markdown + JSON report goes (relative to the project dir). */
  readonly reportsDir: string;
}

export interface RestoreConfig {
  readonly backup: BackupSource;
  readonly disposablePostgres: DisposablePostgresConfig;
  readonly restore: RestoreSettings;
  readonly smoke: readonly SmokeQuery[];
}

export const RESTORE_DEFAULTS = {
  backup: { region: "us-east-1", bucket: "backups", prefix: "spec-1/", maxAgeMs: 26 * HOUR_MS, timeoutMs: 30 * SECOND_MS },
  disposablePostgres: { engine: "docker" as Engine, dockerPort: 55432, localPort: 0, image: "postgres:16", startTimeoutMs: 60 * SECOND_MS },
  restore: { database: "restore_test", jobs: 0, timeoutMs: 120 * MINUTE_MS, statementTimeoutMs: 60 * SECOND_MS, reportsDir: REPORTS_DIR },
} as const;

/** The keys these durations had before every duration was in ms: still read, converted. */
const LEGACY = {
  maxAge: { ms: "maxAgeMs", legacy: "maxAgeHours", legacyUnitMs: HOUR_MS },
  backupTimeout: { ms: "timeoutMs", legacy: "timeoutSeconds", legacyUnitMs: SECOND_MS },
  startTimeout: { ms: "startTimeoutMs", legacy: "startTimeoutSeconds", legacyUnitMs: SECOND_MS },
  restoreTimeout: { ms: "timeoutMs", legacy: "timeoutMinutes", legacyUnitMs: MINUTE_MS },
  statementTimeout: { ms: "statementTimeoutMs", legacy: "statementTimeoutSeconds", legacyUnitMs: SECOND_MS },
} as const;

/** The RPO limit is compared, never waited for: a year is its bound. */
const MAX_AGE_CAP_MS = 366 * 24 * HOUR_MS;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseBackupSource(value: unknown): BackupSource {
  const d = RESTORE_DEFAULTS.backup;
  const raw = optionalSection(
    "backup",
    value,
    ["endpoint", "region", "bucket", "prefix", "maxAgeMs", "timeoutMs", "maxAgeHours", "timeoutSeconds"],
    '{"endpoint": "http://minio:9000", "bucket": "backups", "prefix": "spec-1/"}',
  );
  const endpoint =
    raw.endpoint === undefined ? undefined : optionalUrl("backup.endpoint", raw.endpoint, "http://minio:9000", "http", "base");
  const prefix = optionalString("backup.prefix", raw.prefix, d.prefix);
  return {
    endpoint,
    region: optionalString("backup.region", raw.region, d.region),
    bucket: optionalString("backup.bucket", raw.bucket, d.bucket),
    // A prefix names a folder: "spec-1" would also match "spec-10/".
    prefix: prefix.endsWith("/") ? prefix : `${prefix}/`,
    maxAgeMs: optionalDuration("backup", raw, LEGACY.maxAge, d.maxAgeMs, { max: MAX_AGE_CAP_MS }),
    timeoutMs: optionalDuration("backup", raw, LEGACY.backupTimeout, d.timeoutMs),
  };
}

export function parseDisposablePostgres(value: unknown): DisposablePostgresConfig {
  const d = RESTORE_DEFAULTS.disposablePostgres;
  const raw = optionalSection(
    "disposablePostgres",
    value,
    ["engine", "port", "image", "binDir", "startTimeoutMs", "startTimeoutSeconds"],
    '{"engine": "local"}',
  );
  const engine = oneOf("disposablePostgres.engine", raw.engine, ENGINES, d.engine);
  const port = optionalNumber("disposablePostgres.port", raw.port, engine === "docker" ? d.dockerPort : d.localPort, { integer: true });
  if (port > 65535 || (engine === "docker" && port === 0)) {
    throw new ConfigError(
      "disposablePostgres.port",
      `${port} is not a usable port for the ${engine} engine`,
      `set 1–65535${engine === "local" ? " or 0 for a free port" : ` (default ${d.dockerPort})`}`,
    );
  }
  return {
    engine,
    port,
    image: optionalString("disposablePostgres.image", raw.image, d.image),
    binDir: raw.binDir === undefined ? undefined : optionalString("disposablePostgres.binDir", raw.binDir, "/usr/lib/postgresql/16/bin"),
    startTimeoutMs: optionalDuration("disposablePostgres", raw, LEGACY.startTimeout, d.startTimeoutMs),
  };
}

export function parseRestoreSettings(value: unknown): RestoreSettings {
  const d = RESTORE_DEFAULTS.restore;
  const raw = optionalSection(
    "restore",
    value,
    ["database", "jobs", "timeoutMs", "statementTimeoutMs", "reportsDir", "timeoutMinutes", "statementTimeoutSeconds"],
    '{"jobs": 4}',
  );
  const database = optionalString("restore.database", raw.database, d.database);
  if (!IDENTIFIER.test(database) || database === "postgres" || database.startsWith("template")) {
    throw new ConfigError(
      "restore.database",
      `"${database}" is not a plain lower-case identifier other than postgres/template*`,
      `set e.g. ${d.database}`,
    );
  }
  return {
    database,
    jobs: optionalNumber("restore.jobs", raw.jobs, d.jobs, { integer: true }),
    timeoutMs: optionalDuration("restore", raw, LEGACY.restoreTimeout, d.timeoutMs),
    statementTimeoutMs: optionalDuration("restore", raw, LEGACY.statementTimeout, d.statementTimeoutMs),
    reportsDir: optionalString("restore.reportsDir", raw.reportsDir, d.reportsDir),
  };
}

function parseExpectation(key: string, value: unknown): SmokeExpectation {
  const example = '{"minRows": 1} or {"nonZero": true}';
  if (!isObject(value)) throw new ConfigError(key, "is missing or not an object", `set e.g. ${example}`);
  rejectUnknownKeys(key, value, ["minRows", "nonZero"]);
  if (value.nonZero !== undefined && typeof value.nonZero !== "boolean")
    throw new ConfigError(`${key}.nonZero`, `${JSON.stringify(value.nonZero)} is not true or false`, "set true or false");
  const minRows = value.minRows === undefined ? undefined : optionalNumber(`${key}.minRows`, value.minRows, 1, { integer: true });
  if (minRows === undefined && value.nonZero !== true) throw new ConfigError(key, "expects nothing", `set e.g. ${example}`);
  return { ...(minRows === undefined ? {} : { minRows }), ...(value.nonZero === true ? { nonZero: true } : {}) };
}

export function parseSmokeQueries(value: unknown): readonly SmokeQuery[] {
  if (value === undefined) return DEFAULT_SMOKE_QUERIES;
  const example = '[{"name": "users", "sql": "SELECT count(*) FROM users", "expect": {"nonZero": true}}]';
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError("smoke", "is not a non-empty list", `set e.g. ${example}, or unset it for the runbook's defaults`);
  const names = new Set<string>();
  return value.map((q, i) => {
    const key = `smoke[${i}]`;
    if (!isObject(q)) throw new ConfigError(key, "is not an object", `set e.g. ${example}`);
    rejectUnknownKeys(key, q, ["name", "sql", "expect"]);
    const name = optionalString(`${key}.name`, q.name ?? "", "users");
    if (names.has(name)) throw new ConfigError(`${key}.name`, `"${name}" is used twice`, "give each smoke query its own name");
    names.add(name);
    return {
      name,
      sql: optionalString(`${key}.sql`, q.sql ?? "", "SELECT count(*) FROM users"),
      expect: parseExpectation(`${key}.expect`, q.expect),
    };
  });
}

export function parseRestoreConfig(raw: Record<string, unknown>): RestoreConfig {
  return {
    backup: parseBackupSource(raw.backup),
    disposablePostgres: parseDisposablePostgres(raw.disposablePostgres),
    restore: parseRestoreSettings(raw.restore),
    smoke: parseSmokeQueries(raw.smoke),
  };
}
