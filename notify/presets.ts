/** The notices pipelines send (scripts/notify.ts --preset …), kept here so their wording is tested. */
import { malaysiaWallClock } from "../lib/time";
import type { Notice } from "./message";

export const PRESETS = ["drill-pre-notice", "restore-failure"] as const;
export type Preset = (typeof PRESETS)[number];

export interface PresetOptions {
  /** The run's URL. */
  readonly link?: string;
  /** drill-pre-notice: when the drill starts (scripts/scheduleGuard.ts drill-start). */
  readonly startsAt?: Date;
  /** restore-failure: the restore report (Markdown) when the run wrote one. */
  readonly report?: string;
  /** Lines the pipeline adds (e.g. the job's status). */
  readonly lines?: readonly string[];
}

/** A report is sent whole up to this size; beyond, its start (the summary) and a pointer to the artifact. */
const REPORT_CHARS = 12_000;

export function presetNotice(preset: Preset, opts: PresetOptions = {}): Notice {
  const tail = [...(opts.lines ?? []), ...(opts.link ? [`Run: ${opts.link}`] : [])];
  switch (preset) {
    case "drill-pre-notice": {
      const at = opts.startsAt ? malaysiaWallClock(opts.startsAt).toISOString().slice(11, 16) : "09:00";
      return {
        kind: "preNotice",
        subject: `Weekly QR re-login drill starts at ${at} MYT (in 15 minutes)`,
        lines: [
          "Outbound automation (the worker's outbound queues) will be paused during the drill and resumed at its end.",
          "Have the dedicated device ready: each session's QR is shown in the drill's log to be scanned from there.",
          ...tail,
        ],
      };
    }
    case "restore-failure": {
      const report = opts.report;
      return {
        kind: "restoreFailure",
        subject: "Monthly backup restore test FAILED: engage the database administrator",
        lines: [
          "The restore of the latest BACKUP_DAILY dump did not pass. Runbook escalation: engage the database administrator.",
          "The disposable Postgres container is kept running for debugging (the stack was not destroyed); the reports are attached to the run as artifacts.",
          report === undefined
            ? "No restore report was written: the run stopped before the restore finished (see the run's log)."
            : "The restore report:",
          ...tail,
        ],
        block:
          report === undefined
            ? undefined
            : report.length > REPORT_CHARS
              ? `${report.slice(0, REPORT_CHARS)}\n… (cut; the whole report is in the run's restore-report artifact)`
              : report,
      };
    }
  }
}
