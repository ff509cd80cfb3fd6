/**
 * Ops-log entries (restore reports, drill logs, post-mortem skeletons): Markdown for people, JSON for
 * machines, written side by side and atomically so a pipeline never archives half a report.
 */
import * as fs from "fs";
import * as path from "path";

export interface OpsLogFiles {
  readonly markdownPath: string;
  readonly jsonPath: string;
}

/** Writes `<dir>/<name>.md` and `<dir>/<name>.json`; `name` is e.g. `restore-2026-11-04T14-00-00Z`. */
export function writeOpsLogEntry(dir: string, name: string, markdown: string, data: unknown): OpsLogFiles {
  fs.mkdirSync(dir, { recursive: true });
  const markdownPath = path.join(dir, `${name}.md`);
  const jsonPath = path.join(dir, `${name}.json`);
  writeAtomically(markdownPath, markdown.endsWith("\n") ? markdown : `${markdown}\n`);
  writeAtomically(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
  return { markdownPath, jsonPath };
}

/** A file-name-safe UTC timestamp: 2026-11-04T14-00-00Z. */
export function entryTimestamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/:/g, "-");
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cell = (v: unknown) =>
    String(v ?? "")
      .replace(/\|/g, "\\|")
      .replace(/\n/g, " ");
  return [
    `| ${headers.map(cell).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

export function markdownCode(text: string): string {
  const fence = text.includes("```") ? "~~~~" : "```";
  return `${fence}\n${text.replace(/\n$/, "")}\n${fence}`;
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}
