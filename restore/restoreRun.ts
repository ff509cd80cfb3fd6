/**
 * The restore itself as a resource: its create downloads, restores and smoke-tests (restore/run.ts),
 * files the report in the ops log, and fails the update when the test failed — after the report is
 * written, with the DBA's way into the kept database in the message. A new backup, a new server or
 * new smoke SQL replaces it, i.e. runs the test again; destroy has nothing to undo.
 */
import * as pulumi from "@pulumi/pulumi";
import { canonicalJson } from "../checks/provider.logic";
import { entryTimestamp, writeOpsLogEntry } from "../lib/opsLog";
import { renderReportMarkdown, RestoreReport } from "./report";
import { RestoreSpec, runRestoreTest } from "./run";

/** One input per field, so that only the secret ones (credentials, target) are hidden in preview and state. */
export type RestoreRunArgs = { readonly [K in keyof RestoreSpec]: pulumi.Input<RestoreSpec[K]> } & {
  /** Absolute dir of the ops log (Markdown + JSON per run). */
  readonly reportDir: pulumi.Input<string>;
};

type Inputs = RestoreSpec & { reportDir: string };

/** What diff compares: everything that makes it a different test, and no secret. */
export function identity(spec: RestoreSpec) {
  return {
    backup: { key: spec.backup.key, etag: spec.backup.etag, lastModified: spec.backup.lastModified },
    instanceId: spec.target.instanceId,
    database: spec.database,
    jobs: spec.jobs,
    smoke: spec.smoke,
  };
}

export interface RestoreSummary {
  readonly status: RestoreReport["status"];
  readonly backup: RestoreReport["backup"];
  readonly timings: RestoreReport["timings"];
  /** Each smoke query's psql-style output. */
  readonly smoke: Record<string, string>;
  readonly reportFiles: { markdownPath: string; jsonPath: string };
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Inputs) {
    const report = await runRestoreTest(inputs, (message) => pulumi.log.info(message));
    const name = `restore-${entryTimestamp(new Date(report.startedAt))}`;
    const reportFiles = writeOpsLogEntry(inputs.reportDir, name, renderReportMarkdown(report), report);
    if (report.status === "failed") {
      throw new Error(`restore test failed: ${report.error}\n${report.dba}\nReport: ${reportFiles.markdownPath}`);
    }
    const summary: RestoreSummary = {
      status: report.status,
      backup: report.backup,
      timings: report.timings,
      smoke: Object.fromEntries(report.smoke.map((s) => [s.name, s.output])),
      reportFiles,
    };
    // Through JSON: the engine's wire format has no `undefined`.
    return { id: name, outs: JSON.parse(JSON.stringify({ identity: identity(inputs), report: summary })) };
  },
  async diff(_id, olds: { identity: unknown }, news: Inputs) {
    const changed = canonicalJson(olds.identity) !== canonicalJson(identity(news));
    return { changes: changed, replaces: changed ? ["backup"] : [] };
  },
};

export class RestoreRun extends pulumi.dynamic.Resource {
  declare readonly report: pulumi.Output<RestoreSummary>;

  constructor(name: string, args: RestoreRunArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args, identity: undefined, report: undefined }, opts);
  }
}
