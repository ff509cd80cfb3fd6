/**
 * An image change as people read it: its title (rollback or release; passed, failed or no verdict), the
 * notice's lines with the checks' verdicts and the next steps, the incident's body and the post-mortem
 * skeleton. Pure.
 */
import { excerpt } from "../lib/http";
import { markdownCode, markdownTable } from "../lib/opsLog";
import { ChangeKind, changeSummary, ImageChange, TagHistory } from "./imageChanges";
import type { Notice } from "./message";
import { nextSteps } from "./changeNextSteps";

export type Outcome = "passed" | "failed" | "unknown";

/** What one affected check reported: `passed` undefined = no verdict within the wait. */
export interface CheckReport {
  readonly passed?: boolean;
  readonly result?: unknown;
  readonly message?: string;
}

/** Which images each check verifies (by check kind), the checks' run id, and how long to wait for them. */
export interface CheckWatch {
  readonly runId: string;
  readonly verifies: Readonly<Record<string, readonly string[]>>;
  readonly waitMs: number;
}

export interface RollbackEvent {
  readonly stack: string;
  readonly at: string;
  readonly kind: ChangeKind;
  readonly outcome: Outcome;
  /** The same change verified again (a pulumi up after a failed one). */
  readonly retry: boolean;
  readonly changes: readonly ImageChange[];
  readonly checks: Readonly<Record<string, CheckReport>>;
  readonly waitMs: number;
  readonly history: TagHistory;
  readonly incident?: { url: string; id: string };
  readonly incidentError?: string;
  readonly postMortemPath?: string;
}

const Kind = (k: ChangeKind) => (k === "rollback" ? "Rollback" : "Release");

export function eventTitle(e: RollbackEvent): string {
  const on = `${Kind(e.kind)} on ${e.stack}`;
  const summary = changeSummary(e.changes);
  if (e.outcome === "failed") return `${on} FAILED its post-deploy checks: ${summary}`;
  if (e.outcome === "unknown") return `${on}: no post-deploy check verdict within ${Math.round(e.waitMs / 1000)}s: ${summary}`;
  return e.retry ? `${on}: post-deploy checks pass on retry: ${summary}` : `${on}: ${summary}`;
}

/** One line per affected check: its verdict and what it measured or why it failed. */
export function checkLines(e: Pick<RollbackEvent, "checks" | "waitMs">): string[] {
  return Object.entries(e.checks).map(([kind, r]) => {
    if (r.passed === true) return `${kind}: passed ${excerpt(JSON.stringify(r.result ?? {}), 240)}`;
    if (r.passed === false) return `${kind}: FAILED: ${excerpt(r.message ?? "", 600)}`;
    return `${kind}: no verdict within ${Math.round(e.waitMs / 1000)}s (it did not run, or did not finish)`;
  });
}

export function eventNotice(e: RollbackEvent): Notice {
  const failures = Object.entries(e.checks).filter(([, r]) => r.passed === false);
  const incident = e.incident
    ? `Incident: ${e.incident.url}`
    : `Incident: not filed${e.incidentError ? ` (${e.incidentError})` : " (no tracker configured)"}`;
  return {
    kind: "rollback",
    subject: eventTitle(e),
    lines: [
      ...e.changes.map((c) => `${c.service}: ${c.from} → ${c.to} (${c.toDigest}) — ${c.kind}: ${c.why}`),
      `Post-deploy checks ${e.outcome === "passed" ? "passed" : e.outcome === "failed" ? "failed" : "gave no verdict"}:`,
      ...checkLines(e).map((l) => `  ${l}`),
      ...(e.kind === "rollback"
        ? [incident, `Post-mortem skeleton: ${e.postMortemPath ?? "not written"} — schedule the post-mortem.`]
        : []),
      ...(e.outcome === "passed" ? [] : ["Next steps:", ...nextSteps(e).map((l, i) => `  ${i + 1}. ${l}`)]),
    ],
    // The failing checks' own words in full (the QR check's gateway log lines among them).
    block: failures.length > 0 ? failures.map(([kind, r]) => `${kind}: ${r.message ?? ""}`.slice(0, 4000)).join("\n\n") : undefined,
  };
}

export function incidentBody(e: RollbackEvent): string {
  return [
    `${Kind(e.kind)} of stack \`${e.stack}\` at ${e.at}: post-deploy checks ${e.outcome}.`,
    "",
    markdownTable(
      ["service", "from", "to", "running digest", "kind"],
      e.changes.map((c) => [c.service, c.from, c.to, c.toDigest, `${c.kind}: ${c.why}`]),
    ),
    "",
    "Post-deploy checks:",
    "",
    markdownCode(checkLines(e).join("\n")),
  ].join("\n");
}

export function postMortemMarkdown(e: RollbackEvent): string {
  return [
    `# Post-mortem: rollback of ${e.stack} (${e.at})`,
    "",
    "Status: **draft — schedule the review** (runbook §3, Post-Rollback).",
    "",
    "## Timeline (UTC)",
    "",
    "| time | event |",
    "| --- | --- |",
    "| _fill in_ | first sign of the problem (alert, report) |",
    "| _fill in_ | decision to roll back |",
    `| ${e.at} | rollback applied by \`pulumi up\`; post-deploy checks ${e.outcome}${e.retry ? " (on retry)" : ""} |`,
    "",
    "## Tags",
    "",
    markdownTable(
      ["service", "from", "to", "from digest", "to digest"],
      e.changes.map((c) => [c.service, c.from, c.to, c.fromDigest, c.toDigest]),
    ),
    "",
    "## Check outputs",
    "",
    markdownCode(JSON.stringify(e.checks, null, 2)),
    "",
    "## Links",
    "",
    `- Incident: ${e.incident?.url ?? "not filed"}`,
    "",
    "## Impact",
    "",
    "_Who was affected, for how long, messages delayed or lost._",
    "",
    "## Root cause",
    "",
    "_What in the rolled-back release caused it._",
    "",
    "## Actions",
    "",
    "- [ ] _fix, owner, due date_",
  ].join("\n");
}
