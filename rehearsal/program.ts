/**
 * The program, run in a child process (programChild.ts) for `pulumi preview` or `up`: the child
 * registers resources as the program creates them, this side plays the engine's steps for each dynamic
 * one through the provider host and answers with its outputs. As in the engine, the first failure
 * stops new steps from starting; steps already running finish.
 */
import { ChildProcess, fork } from "child_process";
import * as path from "path";
import * as readline from "readline";
import type { ProviderHost, Props } from "../harness/providerHost";
import { applyStep, Deployed, EngineSession, planStep, Responder, StepKind, StepResult, UpEvents } from "../harness/engine";
import type { Lifecycle } from "./lifecycle";
import { sleep } from "../lib/poll";
import type { CapturedStack, FromChild, ProgramRequest, ToChild } from "./programChild";

export type { CapturedStack, ProgramRequest } from "./programChild";
export type StackResource = CapturedStack["resources"][number];

export interface UpResult {
  readonly ok: boolean;
  readonly steps: StepResult[];
  /** The stack's state after the up: what a later up diffs against and destroy deletes. */
  readonly state: Map<string, Deployed>;
  /** The program's own error (config, a lookup it does), when it failed before any step did. */
  readonly programError?: string;
  /** Every resource the program registered, with its inputs; and the stack outputs (when it completed). */
  readonly resources?: StackResource[];
  readonly outputs?: Props;
}

interface ProgramProcess {
  readonly proc: ChildProcess;
  send(message: ToChild): void;
  stop(): Promise<void>;
}

function startProgram(lifecycle: Lifecycle): Promise<ProgramProcess> {
  return lifecycle.start("the program under Pulumi mocks", async () => {
    // Secrets go over the IPC channel, never in argv or the environment.
    const proc = fork(path.join(__dirname, "programChild.ts"), [], {
      execArgv: ["--import", "tsx"],
      cwd: path.resolve(__dirname, ".."),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // tsx keeps its compile cache in the temp dir: the outer one keeps it warm from run to run.
      env: { ...process.env, TMPDIR: lifecycle.outerTmpdir },
    });
    lifecycle.pids.push(proc.pid!);
    // What the program logs (e.g. which backup the restore will take) is progress: show it, indented.
    for (const stream of [proc.stdout!, proc.stderr!])
      readline.createInterface({ input: stream }).on("line", (l) => lifecycle.log(`      │ ${l}`));
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const stop = async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    };
    // A child that died (killed after a failed up) cannot be written to: the error goes to the callback, not the process.
    const send = (m: ToChild) => void (proc.connected && proc.send(m, () => undefined));
    return { proc, send, stop };
  });
}

/**
 * One program process for the whole rehearsal (each stack still runs in a fresh module registry), so
 * tsx and Pulumi load once. After a failed up the program may wait forever on the failed resource's
 * outputs: that process is dropped and the next request starts a new one.
 */
export class ProgramRunner {
  private child: Promise<ProgramProcess> | undefined;

  constructor(private readonly lifecycle: Lifecycle) {}

  /** `pulumi up` of one stack: `previous` is the state of its last up (empty for a new stack). */
  async up(host: ProviderHost, request: ProgramRequest, previous: ReadonlyMap<string, Deployed>, events: UpEvents): Promise<UpResult> {
    const result = await this.run(request, previous, (r, prev) => applyStep(host, r, prev, events), events);
    if (result.ok) await result.session.deleteReplaced(host);
    return result;
  }

  /**
   * `pulumi preview`: Check and Diff only (no side effects); a resource reads its previous outputs,
   * where the engine would have unknowns. Returns each dynamic resource's verdict and every resource.
   */
  async preview(
    host: ProviderHost,
    request: ProgramRequest,
    previous: ReadonlyMap<string, Deployed>,
  ): Promise<{ verdicts: Map<string, StepKind>; result: UpResult }> {
    const verdicts = new Map<string, StepKind>();
    const result = await this.run(request, previous, async (r, prev) => {
      try {
        const { step, inputs } = await planStep(host, r, prev);
        verdicts.set(r.name, step);
        const deployed = prev ?? { name: r.name, id: `${r.name}-preview`, inputs, outs: inputs };
        return { result: { name: r.name, status: "done", step, ms: 0, outs: deployed.outs }, deployed };
      } catch (err) {
        return { result: { name: r.name, status: "failed", step: "create", ms: 0, error: (err as Error).message } };
      }
    });
    return { verdicts, result };
  }

  private async run(
    request: ProgramRequest,
    previous: ReadonlyMap<string, Deployed>,
    respond: Responder,
    events: UpEvents = {},
  ): Promise<UpResult & { session: EngineSession }> {
    const child = await this.start();
    const session = new EngineSession(previous, respond, events);
    const end = await new Promise<{ programError?: string; resources?: StackResource[]; outputs?: Props }>((resolve) => {
      const finish = (value: { programError?: string; resources?: StackResource[]; outputs?: Props }) => {
        child.proc.off("message", onMessage).off("exit", onExit);
        resolve(value);
      };
      const onRegister = async (m: Extract<FromChild, { kind: "register" }>) => {
        const answer = await session.register(m);
        child.send(
          "error" in answer ? { kind: "registered", seq: m.seq, error: answer.error } : { kind: "registered", seq: m.seq, ...answer },
        );
        // A failed step fails the program's dependent outputs, which it would wait on forever: stop here.
        if (session.failed && session.idle) finish({});
      };
      const onMessage = (m: FromChild) => {
        if (m.kind === "register") void onRegister(m);
        else if (m.kind === "done") finish({ resources: m.stack.resources, outputs: m.stack.outputs });
        else if (!session.failed) finish({ programError: m.error });
      };
      // A failed step ends the program's process; the engine still lets the steps already running finish
      // (the rollback notice, waiting beside a failed check, among them).
      const onExit = (code: number | null, signal: string | null) =>
        void whenIdle(session).then(() =>
          finish(session.failed ? {} : { programError: `the program's process ended (${signal ?? code})` }),
        );
      child.proc.on("message", onMessage).once("exit", onExit);
      child.send({ kind: "run", request });
    });
    const ok = !session.failed && end.programError === undefined;
    if (!ok) await this.drop();
    return { ok, steps: session.steps, state: session.state, session, ...end };
  }

  /** Starts the program's process ahead of its first request. */
  start(): Promise<ProgramProcess> {
    this.child ??= startProgram(this.lifecycle);
    return this.child;
  }

  private async drop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    await (await child)?.stop();
  }
}

/** Resolves once no step of the session is running (each is bounded by its own provider's deadlines). */
async function whenIdle(session: EngineSession): Promise<void> {
  while (!session.idle) await sleep(50);
}
