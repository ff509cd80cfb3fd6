/** The restore test's ops-log entry: what was restored, how long it took (RTO), how old it was (RPO), the SQL output. */
import { markdownCode, markdownTable } from "../lib/opsLog";
import type { DumpType } from "./dumpType";
import { formatBytes } from "./lookup";
import type { SmokeResult } from "./smoke";

export interface RestoreReport {
  readonly stack: string;
  readonly status: "passed" | "failed";
  /** Why it failed: the first error, in the words of the step that failed. */
  readonly error?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly backup: {
    readonly url: string;
    readonly size: number;
    readonly lastModified: string;
    /** RPO: the backup's age when the restore started. */
    readonly ageHours: number;
    readonly type?: DumpType;
    readonly archiveVersion?: string;
    readonly checksum: "verified against the .sha256 sidecar" | "no .sha256 sidecar" | "not checked";
  };
  readonly server: {
    readonly engine: string;
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly instanceId: string;
  };
  readonly timings: {
    readonly downloadSeconds?: number;
    readonly restoreSeconds?: number;
    readonly smokeSeconds?: number;
    /** RTO: from the start of the restore (target check, download, restore) until the restored database answered its smoke SQL. */
    readonly rtoSeconds?: number;
  };
  readonly smoke: readonly SmokeResult[];
  /** After a failure: how to reach the kept database. */
  readonly dba?: string;
}

const seconds = (s: number | undefined) => (s === undefined ? "—" : `${s.toFixed(1)} s`);

export function renderReportMarkdown(r: RestoreReport): string {
  const b = r.backup;
  const lines = [
    `# Restore test ${r.status === "passed" ? "PASSED" : "FAILED"} — ${r.finishedAt}`,
    "",
    `Stack \`${r.stack}\`, runbook §2 (monthly backup restore test).`,
    "",
    ...(r.error ? [`**Failure:** ${r.error}`, ""] : []),
    ...(r.dba ? [`**For the database administrator:** ${r.dba}`, ""] : []),
    markdownTable(
      ["", ""],
      [
        ["backup", b.url],
        ["taken", b.lastModified],
        ["RPO (backup age)", `${b.ageHours.toFixed(1)} h`],
        ["dump", `${b.type ?? "not detected"}${b.archiveVersion ? ` (archive ${b.archiveVersion})` : ""}, ${formatBytes(b.size)}`],
        ["checksum", b.checksum],
        ["restored into", `${r.server.engine} Postgres ${r.server.host}:${r.server.port}/${r.server.database} (${r.server.instanceId})`],
        ["download", seconds(r.timings.downloadSeconds)],
        ["restore", seconds(r.timings.restoreSeconds)],
        ["smoke SQL", seconds(r.timings.smokeSeconds)],
        ["RTO (restore start → smoke SQL answered)", seconds(r.timings.rtoSeconds)],
      ],
    ),
    "",
    "## Smoke SQL",
    "",
    ...(r.smoke.length === 0 ? ["Not run."] : []),
    ...r.smoke.flatMap((s) => [
      `### ${s.name}: ${s.ok ? "ok" : `FAILED — ${s.problem}`}`,
      "",
      markdownCode(s.sql),
      "",
      markdownCode(s.output),
      "",
    ]),
  ];
  return lines.join("\n");
}
