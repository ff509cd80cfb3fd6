/**
 * The rehearsal's stack files, `Pulumi.rehearsal-<role>.yaml`: ordinary `spec1:` config for the
 * program, plus `rehearsal:` keys for the rehearsal itself (secrets to set, the rollback to play).
 * Values may hold `{{name}}` placeholders for what is only known once the local SPEC-1 runs (ports,
 * generated passwords); an unknown placeholder is an error naming it. From them: each program run the
 * procedures need, and what the local SPEC-1 must serve (the sessions and queues the config names).
 */
import * as path from "path";
import { parseChecksConfig } from "../config/checks";
import { parseDrillConfig } from "../config/drill";
import { Props } from "../harness/program";
import { readStackNamespaces } from "../config/stackFile";
import { FAULTS, Fault, FaultSpec, Procedure } from "./faults";
import type { ProductSettings } from "./localSpec1";
import type { RollbackChange } from "./procedure";

const ROOT = path.resolve(__dirname, "..");

export interface RehearsalStack {
  readonly stack: string;
  /** `spec1:` keys without their namespace, placeholders filled. */
  readonly config: Props;
  /** Set as `pulumi config set --secret` would, placeholders filled. */
  readonly secrets: Record<string, string>;
  /** Other `rehearsal:` keys, placeholders filled. */
  readonly rehearsal: Props;
}

function fillPlaceholders<T>(value: T, values: Readonly<Record<string, string | number>>, where: string): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v) =>
      typeof v === "string"
        ? v.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, name: string) => {
            if (!(name in values)) throw new Error(`${where}: unknown placeholder {{${name}}}; known: ${Object.keys(values).join(", ")}`);
            return String(values[name]);
          })
        : v,
    ),
  );
}

/** A stack file as written, placeholders not yet filled: enough to see which queues and sessions it names. */
function readRehearsalStack(stack: string): RehearsalStack {
  const { spec1: config = {}, rehearsal = {} } = readStackNamespaces(stack, ROOT);
  const { secrets = {}, ...rest } = rehearsal;
  return { stack, config, secrets: secrets as Record<string, string>, rehearsal: rest };
}

/** The stack files as written, each read once: the app's always (its `rehearsal:` keys set up the local SPEC-1). */
export interface RehearsalStacks {
  readonly app: RehearsalStack;
  readonly restore?: RehearsalStack;
  readonly drill?: RehearsalStack;
}

export function readRehearsalStacks(procedures: readonly Procedure[]): RehearsalStacks {
  const ifRun = (procedure: Procedure, stack: string) => (procedures.includes(procedure) ? readRehearsalStack(stack) : undefined);
  return {
    app: readRehearsalStack("rehearsal-app"),
    restore: ifRun("restore", "rehearsal-restore"),
    drill: ifRun("drill", "rehearsal-drill"),
  };
}

/** The stack with every `{{name}}` replaced by the value the local SPEC-1 gave it. */
export function fillStack(raw: RehearsalStack, values: Readonly<Record<string, string | number>>): RehearsalStack {
  return { ...fillPlaceholders(raw, values, `Pulumi.${raw.stack}.yaml`), stack: raw.stack };
}

/** The one tag the rollback changes: the stack file's, or the service a rollback fault lives in. */
export function rollbackChange(app: RehearsalStack, fault: Fault | undefined): RollbackChange {
  const planned = app.rehearsal.rollback as { service: string; to: string };
  const spec: FaultSpec | undefined = fault ? FAULTS[fault] : undefined;
  const service = spec?.service ?? planned.service;
  return { service, from: String((app.config.imageTags as Record<string, string>)[service]), to: planned.to };
}

/** The sessions and queues the stacks' own config names, read with the program's own parsers. */
export function productSettings(stacks: readonly { config: Props }[]): ProductSettings {
  const sessions = new Set<string>();
  const queues = new Set<string>();
  for (const { config } of stacks) {
    if (config.checks !== undefined) {
      const checks = parseChecksConfig(config.checks);
      sessions.add(checks.qr.sessionId);
      checks.queues.names.forEach((q) => queues.add(q));
    }
    if (config.drill !== undefined) {
      const drill = parseDrillConfig(config.drill, new Date());
      drill.sessions?.forEach((s) => sessions.add(s));
      drill.queues.forEach((q) => queues.add(q));
    }
  }
  return { sessions: [...sessions], queues: [...queues] };
}

/**
 * Each program run the procedures need, by label, with the stack files filled and the rollback's tag
 * change applied. No fault changes a stack's config: faults break the local SPEC-1, as they happen for real.
 */
export function stackRequests(
  procedures: readonly Procedure[],
  stacks: RehearsalStacks,
  values: Record<string, string | number>,
  rollback: RollbackChange,
) {
  const request = (label: string, s: RehearsalStack, config = s.config) => ({
    label,
    stack: { stack: s.stack, config, secrets: s.secrets },
  });
  const requests = [];
  if (procedures.includes("rollback")) {
    const app = fillStack(stacks.app, values);
    const imageTags = { ...(app.config.imageTags as object), [rollback.service]: rollback.to };
    requests.push(request("app", app), request("app-rollback", app, { ...app.config, imageTags }));
  }
  if (stacks.restore) requests.push(request("restore", fillStack(stacks.restore, values)));
  if (stacks.drill) requests.push(request("drill", fillStack(stacks.drill, values)));
  return requests;
}
