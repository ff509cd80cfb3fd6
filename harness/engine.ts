/**
 * The steps `pulumi up`/`destroy` take for a dynamic resource, played against Pulumi's own dynamic
 * provider host: Check, then Diff against the previous outputs, then Create, Update or replace
 * (create-before-delete). The program decides when each resource is registered (rehearsal/program.ts).
 */
import type { ProviderHost, Props } from "./providerHost";

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

export interface UpEvents {
  onStart?(name: string, step: StepKind): void;
  onDone?(result: StepResult): void;
}

export interface Registration {
  readonly name: string;
  readonly inputs: Props;
}

/** Check + Diff only, as `pulumi preview` does for a dynamic resource: no side effects. */
export async function planStep(
  host: ProviderHost,
  r: Registration,
  previous: Deployed | undefined,
): Promise<{ step: StepKind; inputs: Props }> {
  const checked = await host.check(r.name, previous?.inputs ?? {}, r.inputs);
  if (checked.failures.length > 0) {
    throw new Error(`invalid inputs: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  if (!previous) return { step: "create", inputs: checked.inputs };
  const diff = await host.diff(r.name, previous.id, previous.outs, checked.inputs);
  const step: StepKind = diff.changes === "none" ? "same" : diff.replaces.length > 0 ? "replace" : "update";
  return { step, inputs: checked.inputs };
}

/** One resource's step. `replaced` is the old resource a replace superseded: deleted once the up is done. */
export async function applyStep(
  host: ProviderHost,
  r: Registration,
  previous: Deployed | undefined,
  events: UpEvents,
): Promise<{ result: StepResult; deployed?: Deployed; replaced?: Deployed }> {
  const started = Date.now();
  let step: StepKind = previous ? "update" : "create";
  try {
    const plan = await planStep(host, r, previous);
    step = plan.step;
    events.onStart?.(r.name, step);
    let deployed: Deployed;
    if (step === "same") deployed = previous!;
    else if (step === "update")
      deployed = { ...previous!, inputs: plan.inputs, outs: await host.update(r.name, previous!.id, previous!.outs, plan.inputs) };
    else {
      const { id, outs } = await host.create(r.name, plan.inputs);
      deployed = { name: r.name, id, inputs: plan.inputs, outs };
    }
    const result: StepResult = { name: r.name, status: "done", step, ms: Date.now() - started, outs: deployed.outs };
    events.onDone?.(result);
    return { result, deployed, replaced: step === "replace" ? previous : undefined };
  } catch (err) {
    const result: StepResult = { name: r.name, status: "failed", step, ms: Date.now() - started, error: (err as Error).message };
    events.onDone?.(result);
    return { result };
  }
}

/** `pulumi destroy` for the dynamic resources: Delete each, the last created first. */
export async function destroy(host: ProviderHost, state: ReadonlyMap<string, Deployed>, onDelete?: (name: string) => void): Promise<void> {
  for (const deployed of [...state.values()].reverse()) {
    onDelete?.(deployed.name);
    await host.delete(deployed.name, deployed.id, deployed.outs);
  }
}
