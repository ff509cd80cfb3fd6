/** The restore stack's config: where backups are, the disposable Postgres, the restore and its smoke SQL. */
import { ConfigError, isObject, oneOf, optionalNumber, optionalSection, optionalString, rejectUnknownKeys } from "./errors";

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
  {
    name: "recent_sales",
    sql: "SELECT count(*) AS sales, coalesce(sum(amount), 0) AS amount FROM sales WHERE created_at > $1::timestamptz - interval '30 days' AND created_at <= $1::timestamptz",
    expect: { minRows: 1 },
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
  readonly maxAgeHours: number;
  /** Bound on each S3 request. */
  readonly timeoutSeconds: number;
}

export interface DisposablePostgresConfig {
  readonly engine: Engine;
  /** Port on 127.0.0.1; 0 = a free port (local engine only). */
  readonly port: number;
  /** docker engine: the server image. */
  readonly image: string;
  /** local engine: bin dir of initdb/pg_ctl/pg_restore/psql; undefined = the newest /usr/lib/postgresql/<major>/bin. */
  readonly binDir?: string;
  readonly startTimeoutSeconds: number;
}

export interface RestoreSettings {
  /** Database the dump is restored into (created on the disposable server). */
  readonly database: string;
  /** pg_restore --jobs; 0 = one per CPU of the runner. */
  readonly jobs: number;
  readonly timeoutMinutes: number;
  readonly statementTimeoutSeconds: number;
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
  backup: { region: "us-east-1", bucket: "backups", prefix: "spec-1/", maxAgeHours: 26, timeoutSeconds: 30 },
  disposablePostgres: { engine: "docker" as Engine, dockerPort: 55432, localPort: 0, image: "postgres:16", startTimeoutSeconds: 60 },
  restore: { database: "restore_test", jobs: 0, timeoutMinutes: 120, statementTimeoutSeconds: 60, reportsDir: "reports" },
} as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function parseBackupSource(value: unknown): BackupSource {
  const d = RESTORE_DEFAULTS.backup;
  const raw = optionalSection(
    "backup",
    value,
    ["endpoint", "region", "bucket", "prefix", "maxAgeHours", "timeoutSeconds"],
    '{"endpoint": "http://minio:9000", "bucket": "backups", "prefix": "spec-1/"}',
  );
  const endpoint = raw.endpoint === undefined ? undefined : optionalString("backup.endpoint", raw.endpoint, "http://minio:9000");
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw new ConfigError("backup.endpoint", `"${endpoint}" is not an http(s) URL`, "set e.g. http://minio:9000");
  }
  const prefix = optionalString("backup.prefix", raw.prefix, d.prefix);
  return {
    endpoint,
    region: optionalString("backup.region", raw.region, d.region),
    bucket: optionalString("backup.bucket", raw.bucket, d.bucket),
    // A prefix names a folder: "spec-1" would also match "spec-10/".
    prefix: prefix.endsWith("/") ? prefix : `${prefix}/`,
    maxAgeHours: optionalNumber("backup.maxAgeHours", raw.maxAgeHours, d.maxAgeHours),
    timeoutSeconds: optionalNumber("backup.timeoutSeconds", raw.timeoutSeconds, d.timeoutSeconds, { min: 1 }),
  };
}

export function parseDisposablePostgres(value: unknown): DisposablePostgresConfig {
  const d = RESTORE_DEFAULTS.disposablePostgres;
  const raw = optionalSection(
    "disposablePostgres",
    value,
    ["engine", "port", "image", "binDir", "startTimeoutSeconds"],
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
    startTimeoutSeconds: optionalNumber("disposablePostgres.startTimeoutSeconds", raw.startTimeoutSeconds, d.startTimeoutSeconds, {
      min: 1,
    }),
  };
}

export function parseRestoreSettings(value: unknown): RestoreSettings {
  const d = RESTORE_DEFAULTS.restore;
  const raw = optionalSection(
    "restore",
    value,
    ["database", "jobs", "timeoutMinutes", "statementTimeoutSeconds", "reportsDir"],
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
    timeoutMinutes: optionalNumber("restore.timeoutMinutes", raw.timeoutMinutes, d.timeoutMinutes, { min: 1 }),
    statementTimeoutSeconds: optionalNumber("restore.statementTimeoutSeconds", raw.statementTimeoutSeconds, d.statementTimeoutSeconds, {
      min: 1,
    }),
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
