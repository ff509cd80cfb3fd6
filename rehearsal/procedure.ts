/** What every rehearsed procedure gets, returns, and how its `pulumi up` steps are printed. */
import type { ProviderHost } from "../harness/providerHost";
import type { BackupStore } from "./backupStore";
import { StepKind, StepResult, UpEvents } from "../harness/engine";
import type { ProgramRequest, ProgramRunner, UpResult } from "./program";
import type { Fault, Procedure } from "./faults";
import type { Lifecycle } from "./lifecycle";
import type { ServingSpec1 } from "./localSpec1";
import type { PulumiDisplay } from "./display";

export interface RehearsalContext {
  readonly lifecycle: Lifecycle;
  readonly log: (line: string) => void;
  /** What `pulumi up` shows of the providers' messages (rehearsal/display.ts): rows and Diagnostics, or everything under --diff. */
  readonly display: PulumiDisplay;
  readonly host: ProviderHost;
  readonly spec1: ServingSpec1;
  readonly fault: Fault | undefined;
  /** `--scan-qr`: the drill's device scans only this QR of an attempt. */
  readonly scanQr?: number;
  readonly reportsDir: string;
  /** The one image tag the rollback changes. */
  readonly rollback: RollbackChange;
  /** The backups the restore test finds (when it runs). */
  readonly backups?: BackupStore;
  /** Runs the program, for a preview or an up. */
  readonly program: ProgramRunner;
  /** Each stack's program run by label: `app`, `app-rollback`, `restore`, `drill`. */
  readonly requests: ReadonlyMap<string, ProgramRequest>;
}

export interface RollbackChange {
  readonly service: string;
  readonly from: string;
  readonly to: string;
}

export interface ProcedureOutcome {
  /** The runbook's verification lines, as measured. */
  readonly verification: string[];
}

/** How one rehearsed procedure ended, for the summary. */
export interface ProcedureResult extends ProcedureOutcome {
  readonly procedure: Procedure;
  readonly ok: boolean;
  readonly ms: number;
  /** The provider's message when it failed. */
  readonly error?: string;
  /** What to do next, from the runbook, when it failed. */
  readonly next?: readonly string[];
}

/** A procedure that did not pass: the provider's message, and what it had verified until then. */
export class ProcedureFailure extends Error {
  constructor(
    message: string,
    readonly outcome: ProcedureOutcome,
  ) {
    super(message);
    this.name = "ProcedureFailure";
  }
}

const SYMBOL: Record<StepResult["status"], string> = { done: "✓", failed: "✗", "not run": "·" };
const PAST: Record<StepKind, string> = { create: "created", update: "updated", replace: "replaced", same: "unchanged" };
const MARK: Record<StepKind, string> = { create: "+ ", update: "~ ", replace: "+-", same: "  " };

/** Prints each step as it starts and ends, like `pulumi up`'s progress; a failure's message goes to its row, as the engine's error does. */
export function printSteps(log: (line: string) => void, display: PulumiDisplay): UpEvents {
  return {
    onStart: (name, step) => step !== "same" && log(`    ${MARK[step]} ${name} ${step.replace(/e$/, "")}ing…`),
    onDone: (r) => {
      if (r.status === "not run") return log(`    ${SYMBOL[r.status]} ${r.name}: not run (${r.reason})`);
      const what = PAST[r.step];
      const line = `    ${SYMBOL[r.status]} ${r.name} ${r.status === "done" ? what : `${r.step} failed`} (${(r.ms / 1000).toFixed(1)}s)`;
      log(line);
      if (r.status === "failed") for (const l of display.message({ row: r.name, severity: "error", text: r.error })) log(l);
    },
  };
}

/** The update has ended: its Diagnostics section, every message in full (nothing under --diff, which printed them already). */
export function printDiagnostics(ctx: RehearsalContext): void {
  for (const line of ctx.display.end()) ctx.log(line);
}

export function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");
}

/** The first failed step, as `pulumi up` reports it: the resource and its provider's message. */
export function firstError(result: UpResult): string {
  if (result.programError !== undefined) return `the program failed: ${result.programError}`;
  const failed = result.steps.find((s) => s.status === "failed");
  return failed?.status === "failed" ? `${failed.name}: ${failed.error}` : "a step failed";
}

/** What reached the ops chat since `since` (an index into its messages): notices, escalations, results. */
export function printNotifications(ctx: RehearsalContext, since: number): void {
  for (const call of ctx.spec1.chat.items.slice(since)) {
    const text = String(call.json?.text ?? call.body);
    ctx.log(`    ✉ ops chat: ${indent(text.length > 600 ? `${text.slice(0, 600)}…` : text, "      ").trimStart()}`);
  }
}
