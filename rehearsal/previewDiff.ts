/**
 * What `pulumi preview --diff` prints for a change of config: only the resources and properties that
 * change, `~` for an update, `+-` for a replace, `+`/`-` for a create/delete, secrets as [secret].
 * Pure: the replace decision of dynamic resources comes from their provider (through the host), the
 * one of docker resources from the docker provider's schema, given here as data.
 */
import { isDynamicType, SECRET_SIG } from "../harness/program";
import type { StepKind } from "../harness/engine";
import type { StackResource } from "./program";

/** Properties the docker provider marks ForceNew, for the properties this program sets. "*" = any. */
export const REPLACE_ON: Readonly<Record<string, readonly string[]>> = {
  "docker:index/remoteImage:RemoteImage": ["name"],
  "docker:index/container:Container": ["*"],
  "docker:index/network:Network": ["*"],
};

export interface PropertyChange {
  readonly path: string;
  readonly old: unknown;
  readonly new: unknown;
}

export interface ResourceChange {
  readonly op: "create" | "update" | "replace" | "delete";
  readonly type: string;
  readonly name: string;
  readonly properties: PropertyChange[];
}

function isSecret(value: unknown): boolean {
  return !!value && typeof value === "object" && SECRET_SIG in (value as object);
}

/** Leaf-level differences between two input trees; a secret is compared whole and never descended into. */
export function propertyChanges(olds: Record<string, unknown>, news: Record<string, unknown>, prefix = ""): PropertyChange[] {
  const changes: PropertyChange[] = [];
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => k !== "__provider").sort();
  for (const key of keys) {
    const path = Array.isArray(olds) || Array.isArray(news) ? `${prefix}[${key}]` : prefix ? `${prefix}.${key}` : key;
    const [o, n] = [olds[key], news[key]];
    if (JSON.stringify(o) === JSON.stringify(n)) continue;
    const nested = (v: unknown) => v !== null && typeof v === "object" && !isSecret(v);
    if (nested(o) && nested(n) && Array.isArray(o) === Array.isArray(n)) {
      changes.push(...propertyChanges(o as Record<string, unknown>, n as Record<string, unknown>, path));
    } else {
      changes.push({ path, old: o, new: n });
    }
  }
  return changes;
}

/** Whether a docker resource's changed properties force a replacement. */
export function schemaReplaces(type: string, changes: readonly PropertyChange[]): boolean {
  const forceNew = REPLACE_ON[type] ?? [];
  return changes.some((c) => forceNew.includes("*") || forceNew.includes(c.path.split(/[.[]/)[0]));
}

/** What a dynamic resource's provider answered to Diff (through the host). */
export type ProviderVerdict = "none" | "update" | "replace";

/** The verdict a planned engine step amounts to. */
export function verdictOf(step: StepKind): ProviderVerdict {
  return step === "same" ? "none" : step === "create" ? "replace" : step;
}

/**
 * The changes between two runs of the program, in registration order. For a dynamic resource, its
 * provider's verdict decides (it may see no change in changed inputs, e.g. an unrelated digest).
 */
export function diffStacks(
  olds: readonly StackResource[],
  news: readonly StackResource[],
  verdicts: ReadonlyMap<string, ProviderVerdict>,
): ResourceChange[] {
  const before = new Map(olds.map((r) => [r.name, r]));
  const after = new Set(news.map((r) => r.name));
  const changes: ResourceChange[] = [];
  for (const r of news) {
    const old = before.get(r.name);
    if (!old) {
      changes.push({ op: "create", type: r.type, name: r.name, properties: [] });
      continue;
    }
    const properties = propertyChanges(old.inputs, r.inputs);
    if (isDynamicType(r.type)) {
      const verdict = verdicts.get(r.name) ?? "none";
      if (verdict !== "none") changes.push({ op: verdict, type: r.type, name: r.name, properties });
    } else if (properties.length > 0) {
      const op = schemaReplaces(r.type, properties) ? "replace" : "update";
      changes.push({ op, type: r.type, name: r.name, properties });
    }
  }
  for (const r of olds) if (!after.has(r.name)) changes.push({ op: "delete", type: r.type, name: r.name, properties: [] });
  return changes;
}

const MARKERS = { create: "+ ", update: "~ ", replace: "+-", delete: "- " } as const;

function show(value: unknown): string {
  if (value === undefined) return "(none)";
  return JSON.stringify(value, (_k, v) => (isSecret(v) ? "[secret]" : v)).replace(/"\[secret\]"/g, "[secret]");
}

/** The lines `pulumi preview --diff` would print, then its summary line; `total` = resources in the new run. */
export function formatPreview(stack: string, changes: readonly ResourceChange[], total: number): string[] {
  const unchanged = total - changes.filter((c) => c.op !== "delete").length;
  const lines = [`Previewing update (${stack}):`];
  for (const c of changes) {
    lines.push(`  ${MARKERS[c.op]}${c.type}: (${c.op}) ${c.name}`);
    for (const p of c.properties) lines.push(`      ~ ${p.path}: ${show(p.old)} => ${show(p.new)}`);
  }
  const counts = (["create", "update", "replace", "delete"] as const)
    .map((op) => [op, changes.filter((c) => c.op === op).length] as const)
    .filter(([, n]) => n > 0)
    .map(([op, n]) => `${n} to ${op}`);
  lines.push(`Resources: ${[...counts, `${unchanged} unchanged`].join(", ")}`);
  return lines;
}
