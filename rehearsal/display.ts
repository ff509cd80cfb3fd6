/**
 * What `pulumi up` shows of the providers' messages, as a rule the rehearsal follows so that a message
 * hidden under the real CLI is hidden in the rehearsal too (a multi-line QR, a table).
 *
 * - progress (the default display, interactive or not): each row shows only the FIRST line of its latest
 *   message (pulumi/pulumi pkg/backend/display/rows.go, resourceRowData.getInfoColumn: "diagMsg[0:newLineIndex]");
 *   every message is printed in full only in the "Diagnostics:" section once the update has ended
 *   (pkg/backend/display/progress.go, processEndSteps). A non-interactive display prints a row again
 *   only when its text changes.
 * - diff (`pulumi up --diff`): every message is printed in full as it arrives, and no section repeats them.
 *
 * Pure: it returns the lines to print; the rehearsal prints them.
 */
export type DisplayMode = "progress" | "diff";

export type Severity = "info" | "warning" | "error";

export interface DisplayMessage {
  /** The row it belongs to: a resource's name, or STACK_ROW for messages without a resource. */
  readonly row: string;
  readonly severity: Severity;
  readonly text: string;
}

/**
 * Where the provider host's own output goes: Pulumi reads a plugin's stdout and shows it without a
 * resource, on the stack's row (pkg/resource/plugin/plugin.go, newPlugin: each line a `diag.StreamMessage` with an empty URN).
 */
export const STACK_ROW = "pulumi:pulumi:Stack";

/** rows.go getInfoColumn: the row shows the message up to its first newline. */
export function infoColumn(text: string): string {
  const newline = text.indexOf("\n");
  return newline >= 0 ? text.slice(0, newline) : text;
}

const SEVERITY_PREFIX: Record<Severity, string> = { info: "", warning: "warning: ", error: "error: " };

export class PulumiDisplay {
  /** Messages of the current update, by row, in order of arrival. */
  private readonly messages = new Map<string, DisplayMessage[]>();
  /** What each row last showed, so an unchanged row is not printed again. */
  private readonly shown = new Map<string, string>();

  constructor(readonly mode: DisplayMode) {}

  /** A message arrives: the lines to print now. */
  message(m: DisplayMessage): string[] {
    if (this.mode === "diff") return indentLines(`${SEVERITY_PREFIX[m.severity]}${m.text}`, "      │ ");
    this.messages.set(m.row, [...(this.messages.get(m.row) ?? []), m]);
    const info = `${SEVERITY_PREFIX[m.severity]}${infoColumn(m.text)}`;
    if (this.shown.get(m.row) === info) return [];
    this.shown.set(m.row, info);
    return [`      │ ${m.row}: ${info}`];
  }

  /**
   * A line of the provider host's output, shown verbatim as Pulumi shows a plugin's stdout. `pulumi.log.info`
   * without an engine prints `info: [runtime] <message>` (`warning:`, `error:` alike), so a line without
   * such a head continues the message before it: it joins that message, whose row still shows its first
   * line. Under --diff every line is printed as it comes.
   */
  hostLine(text: string): string[] {
    if (this.mode === "diff") return [`      │ ${text}`];
    const current = this.messages.get(STACK_ROW);
    if (/^(info|warning|error): /.test(text) || !current?.length) return this.message({ row: STACK_ROW, severity: "info", text });
    const last = current[current.length - 1];
    current[current.length - 1] = { ...last, text: `${last.text}\n${text}` };
    return [];
  }

  /** The update ended: its Diagnostics section (progress mode; nothing under --diff), and a fresh start for the next one. */
  end(): string[] {
    const lines: string[] = [];
    if (this.mode === "progress" && this.messages.size > 0) {
      lines.push("    Diagnostics:");
      for (const [row, messages] of this.messages) {
        lines.push(`      ${row}:`);
        for (const m of messages) lines.push(...indentLines(`${SEVERITY_PREFIX[m.severity]}${m.text}`, "        "));
        lines.push("");
      }
    }
    this.messages.clear();
    this.shown.clear();
    return lines;
  }
}

function indentLines(text: string, prefix: string): string[] {
  return text.split("\n").map((l) => prefix + l);
}
