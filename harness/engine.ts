/**
 * The one emulation of the engine in this project: the steps `pulumi up`/`destroy` take for a dynamic
 * resource, played against Pulumi's own dynamic provider host (Check, then Diff against the previous
 * outputs, then Create, Update or replace, create-before-delete), and how an up sequences them (no new
 * step after a failure). The program decides when each resource is registered: in this process
 * (upInProcess, the tests) or in a child process (rehearsal/program.ts).
 */
import { ProgramRun, runProgram, RunOptions } from "./program";
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

/** How the engine answers one registration: apply it (up) or only plan it (preview). */
export type Responder = (registration: Registration, previous: Deployed | undefined) => ReturnType<typeof applyStep>;

/**
 * One `pulumi up` (or preview) as the engine sequences it: each registration answered as it comes, none
 * after a step failed (the engine stops there; steps already running finish), and the resources a
 * replace superseded deleted once the up succeeded.
 */
export class EngineSession {
  readonly steps: StepResult[] = [];
  /** The stack's state after the up: what a later up diffs against and destroy deletes. */
  readonly state: Map<string, Deployed>;
  private readonly replaced: Deployed[] = [];
  private failedStep = false;
  private inFlight = 0;

  constructor(
    private readonly previous: ReadonlyMap<string, Deployed>,
    private readonly respond: Responder,
    private readonly events: UpEvents = {},
  ) {
    this.state = new Map(previous);
  }

  get failed(): boolean {
    return this.failedStep;
  }

  /** No step is running. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** The engine's answer to the program registering `r`: its outputs, or why it has none. */
  async register(r: Registration): Promise<{ id: string; outs: Props } | { error: string }> {
    if (this.failedStep) {
      const result: StepResult = { name: r.name, status: "not run", reason: "an earlier step failed" };
      this.steps.push(result);
      this.events.onDone?.(result);
      return { error: `${r.name}: not run` };
    }
    this.inFlight++;
    const outcome = await this.respond(r, this.previous.get(r.name));
    this.inFlight--;
    this.steps.push(outcome.result);
    if (outcome.deployed) {
      this.state.set(r.name, outcome.deployed);
      if (outcome.replaced) this.replaced.push(outcome.replaced);
      return { id: outcome.deployed.id, outs: outcome.deployed.outs };
    }
    this.failedStep = true;
    return { error: outcome.result.status === "failed" ? outcome.result.error : "not run" };
  }

  /** Create-before-delete: what a replace superseded goes last, and only when the up succeeded. */
  async deleteReplaced(host: ProviderHost): Promise<void> {
    if (this.failedStep) return;
    for (const old of this.replaced) await host.delete(old.name, old.id, old.outs);
  }
}

export interface InProcessUp {
  readonly program: ProgramRun;
  readonly steps: StepResult[];
  readonly state: Map<string, Deployed>;
}

/**
 * `pulumi up` of a program run in this process under mocks: each dynamic resource goes through the
 * provider host when the program registers it, so real outputs flow into the next resource's inputs. A
 * resource the engine did not create answers with its mocked state, so the program can still finish.
 */
export async function upInProcess(
  pulumi: typeof import("@pulumi/pulumi"),
  load: () => Promise<Props>,
  opts: Omit<RunOptions, "dynamic">,
  host: ProviderHost,
  previous: ReadonlyMap<string, Deployed> = new Map(),
  events: UpEvents = {},
): Promise<InProcessUp> {
  const session = new EngineSession(previous, (r, prev) => applyStep(host, r, prev, events), events);
  const program = await runProgram(pulumi, load, {
    ...opts,
    dynamic: async (args, mocked) => {
      const answer = await session.register({ name: args.name, inputs: args.inputs });
      return "error" in answer ? mocked : { id: answer.id, state: answer.outs };
    },
  });
  await session.deleteReplaced(host);
  return { program, steps: session.steps, state: session.state };
}
