/** The rehearsal's closing lines and its own ops-log entry: every procedure's result and what it verified. */
import { entryTimestamp, markdownCode, markdownTable, writeOpsLogEntry } from "../lib/opsLog";
import type { Fault } from "./faults";
import type { ProcedureResult } from "./procedure";

function firstLine(text: string): string {
  return text.split("\n")[0];
}

export function summaryLines(results: readonly ProcedureResult[], fault: Fault | undefined): string[] {
  const lines = ["== Summary"];
  for (const r of results) {
    const status = r.ok ? "✓ passed" : "✗ FAILED";
    lines.push(`  ${r.procedure.padEnd(9)} ${status} (${(r.ms / 1000).toFixed(1)}s)${r.ok ? "" : `: ${firstLine(r.error ?? "")}`}`);
  }
  lines.push("", "Verification (runbook):");
  for (const r of results) for (const v of r.verification) lines.push(`  ${r.procedure}: ${v.replace(/\n/g, "\n      ")}`);
  const failed = results.filter((r) => !r.ok).length;
  const injected = fault ? ` (--break ${fault})` : "";
  lines.push(
    "",
    failed === 0
      ? `Result: all ${results.length} procedures passed${injected}`
      : `Result: FAILED — ${failed} of ${results.length} procedures failed${injected}`,
  );
  return lines;
}

export function writeSummary(dir: string, results: readonly ProcedureResult[], fault: Fault | undefined): string[] {
  const at = new Date();
  const table = markdownTable(
    ["procedure", "result", "seconds", "message"],
    results.map((r) => [r.procedure, r.ok ? "passed" : "FAILED", (r.ms / 1000).toFixed(1), r.ok ? "" : firstLine(r.error ?? "")]),
  );
  const details = results.map((r) =>
    [
      `## ${r.procedure}`,
      ...r.verification.map((v) => (v.includes("\n") ? `- ${firstLine(v)}\n\n${markdownCode(v.slice(v.indexOf("\n") + 1))}\n` : `- ${v}`)),
      ...(r.error ? ["", markdownCode(r.error), "", "What to do next:", ...(r.next ?? []).map((n) => `- ${n}`)] : []),
    ].join("\n"),
  );
  const markdown = [
    `# Runbook rehearsal ${at.toISOString()}`,
    "",
    fault ? `Injected fault: \`--break ${fault}\`` : "No fault injected.",
    "",
    table,
    "",
    ...details,
  ].join("\n");
  const files = writeOpsLogEntry(dir, `rehearsal-${entryTimestamp(at)}`, markdown, {
    at: at.toISOString(),
    fault: fault ?? null,
    procedures: results,
  });
  return [files.markdownPath, files.jsonPath];
}
