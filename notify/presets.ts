/** The notices pipelines send (scripts/notify.ts --preset …), kept here so their wording is tested. */
import type { Notice } from "./message";

export const PRESETS = ["drill-pre-notice", "drill-run-failed", "restore-failure"] as const;
export type Preset = (typeof PRESETS)[number];

export function presetNotice(preset: Preset, link: string | undefined): Notice {
  const see = link ? [`Run: ${link}`] : [];
  switch (preset) {
    case "drill-pre-notice":
      return {
        kind: "preNotice",
        subject: "Weekly QR re-login drill starts at 09:00 MYT (in 15 minutes)",
        lines: [
          "Outbound automation (the worker's outbound queues) will be paused during the drill and resumed at its end.",
          "Have the dedicated device ready: each session's QR is shown in the drill's log to be scanned from there.",
          ...see,
        ],
      };
    case "drill-run-failed":
      return {
        kind: "drillResult",
        subject: "Weekly QR re-login drill could not run to its end",
        lines: [
          "The drill pipeline failed before it could report per session (see the run's log).",
          "Check that outbound automation is running: resume the outbound queues in the worker dashboard if they are paused.",
          ...see,
        ],
      };
    case "restore-failure":
      return {
        kind: "restoreFailure",
        subject: "Monthly backup restore test FAILED: engage the database administrator",
        lines: [
          "The restore of the latest BACKUP_DAILY dump did not pass. Runbook escalation: engage the database administrator.",
          "The disposable Postgres container is kept running for debugging (the stack was not destroyed); the reports are attached to the run as artifacts.",
          ...see,
        ],
      };
  }
}
