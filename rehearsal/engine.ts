/**
 * The part of `pulumi up`/`destroy` that concerns dynamic resources, played against Pulumi's own
 * dynamic provider host: Check, then Diff against the previous outputs, then Create/Update/replace,
 * each resource as soon as the resources it depends on are done (independent ones concurrently). As
 * in the engine, the first failure stops new steps from starting; steps already running finish.
 * Other resources (docker) have no engine here: the local SPEC-1 stands in for what they would run.
 */
import type { ProviderHost, Props } from "../local/providerHost";
import type { StackResource } from "./capture";
import { DYNAMIC_TYPE, ProviderVerdict } from "./previewDiff";

export interface Deployed {
  readonly name: string;
  readonly id: string;
  /** The checked inputs: the olds of the next Check. */
  readonly inputs: Props;
  /** What Create/Update returned: the olds of the next Diff. */
  readonly outs: Props;
}

export type StepKind = "create" | "update" | "replace" | "same";
export type StepResult =
  | { readonly name: string; readonly status: "done"; readonly step: StepKind; readonly ms: number; readonly outs: Props }
  | { readonly name: string; readonly status: "failed"; readonly step: StepKind; readonly ms: number; readonly error: string }
  | { readonly name: string; readonly status: "not run"; readonly reason: string };

export interface UpResult {
  readonly ok: boolean;
  readonly steps: StepResult[];
  /** The stack's state after the up: what a later up diffs against and destroy deletes. */
  readonly state: Map<string, Deployed>;
}

export interface UpEvents {
  onStart?(name: string, step: StepKind): void;
  onDone?(result: StepResult): void;
}

/** The dynamic resources among `resources`, with their dependencies on other dynamic resources (through any others). */
export function dynamicGraph(resources: readonly StackResource[]): Map<string, string[]> {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const dynamicDeps = (name: string, seen = new Set<string>()): string[] => {
    const found: string[] = [];
    for (const dep of byName.get(name)?.dependencies ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      if (byName.get(dep)?.type === DYNAMIC_TYPE) found.push(dep);
      else found.push(...dynamicDeps(dep, seen));
    }
    return found;
  };
  return new Map(resources.filter((r) => r.type === DYNAMIC_TYPE).map((r) => [r.name, [...new Set(dynamicDeps(r.name))]]));
}

/** Check + Diff only, as `pulumi preview` does for a dynamic resource: no side effects. */
export async function planStep(host: ProviderHost, r: StackResource, previous: Deployed | undefined): Promise<{ step: StepKind; inputs: Props }> {
  const checked = await host.check(r.name, previous?.inputs ?? {}, r.inputs);
  if (checked.failures.length > 0) {
    throw new Error(`invalid inputs: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  if (!previous) return { step: "create", inputs: checked.inputs };
  const diff = await host.diff(r.name, previous.id, previous.outs, checked.inputs);
  const step: StepKind = diff.changes === "none" ? "same" : diff.replaces.length > 0 ? "replace" : "update";
  return { step, inputs: checked.inputs };
}

export function verdictOf(step: StepKind): ProviderVerdict {
  return step === "same" ? "none" : step === "create" ? "replace" : step;
}

async function apply(host: ProviderHost, r: StackResource, previous: Deployed | undefined, events: UpEvents): Promise<{ result: StepResult; deployed?: Deployed; replaced?: Deployed }> {
  const started = Date.now();
  let step: StepKind = previous ? "update" : "create";
  try {
    const plan = await planStep(host, r, previous);
    step = plan.step;
    events.onStart?.(r.name, step);
    let deployed: Deployed;
    if (step === "same") deployed = previous!;
    else if (step === "update") deployed = { ...previous!, inputs: plan.inputs, outs: await host.update(r.name, previous!.id, previous!.outs, plan.inputs) };
    else {
      const { id, outs } = await host.create(r.name, plan.inputs);
      deployed = { name: r.name, id, inputs: plan.inputs, outs };
    }
    const result: StepResult = { name: r.name, status: "done", step, ms: Date.now() - started, outs: deployed.outs };
    return { result, deployed, replaced: step === "replace" ? previous : undefined };
  } catch (err) {
    return { result: { name: r.name, status: "failed", step, ms: Date.now() - started, error: (err as Error).message } };
  }
}

export async function up(host: ProviderHost, resources: readonly StackResource[], previous: ReadonlyMap<string, Deployed>, events: UpEvents = {}): Promise<UpResult> {
  const graph = dynamicGraph(resources);
  const byName = new Map(resources.map((r) => [r.name, r]));
  const state = new Map(previous);
  const steps: StepResult[] = [];
  const replaced: Deployed[] = [];
  const done = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failed = false;

  const ready = () => [...graph].filter(([n, deps]) => !done.has(n) && !running.has(n) && deps.every((d) => done.has(d)));
  for (;;) {
    if (!failed) {
      for (const [name] of ready()) {
        const run = apply(host, byName.get(name)!, previous.get(name), events).then((outcome) => {
          running.delete(name);
          steps.push(outcome.result);
          events.onDone?.(outcome.result);
          if (outcome.result.status === "failed") return void (failed = true);
          done.add(name);
          state.set(name, outcome.deployed!);
          if (outcome.replaced) replaced.push(outcome.replaced);
        });
        running.set(name, run);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  for (const name of graph.keys()) {
    if (!done.has(name) && !steps.some((s) => s.name === name)) steps.push({ name, status: "not run", reason: "an earlier step failed" });
  }
  // Create-before-delete: the resources a replace superseded go last, as in the engine.
  for (const old of replaced) await host.delete(old.name, old.id, old.outs);
  return { ok: !failed, steps, state };
}

/** `pulumi destroy` for the dynamic resources: Delete each in reverse registration order. */
export async function destroy(host: ProviderHost, resources: readonly StackResource[], state: ReadonlyMap<string, Deployed>, onDelete?: (name: string) => void): Promise<void> {
  for (const r of [...resources].reverse()) {
    const deployed = state.get(r.name);
    if (!deployed) continue;
    onDelete?.(r.name);
    await host.delete(r.name, deployed.id, deployed.outs);
  }
}
