/**
 * Child process of the rehearsal: runs the program (index.ts) under Pulumi's mocks, one stack per
 * request. Each dynamic resource is sent to the parent over IPC as the program registers it; the
 * parent plays the engine's steps for it through the provider host and answers with its outputs, which
 * the program then reads, as from the engine. So a resource whose inputs are another one's outputs
 * (resume ← pause, restore ← disposable Postgres) gets them, and independent resources go in parallel.
 * The reply lists every registered resource with its inputs (secrets still wrapped): what a preview diffs.
 *
 * Pulumi keeps its runtime state per process: each stack runs in a fresh module registry here, and the
 * rehearsal runs this script in a process of its own.
 */
import * as path from "path";
import type { CapturedResource, Props } from "../harness/program";

export interface ProgramRequest {
  readonly stack: string;
  /** Config without the `spec1:` namespace, as the stack file plus overrides give it. */
  readonly config: Props;
  readonly secrets: Record<string, string>;
}

export interface CapturedStack {
  readonly stack: string;
  readonly resources: CapturedResource[];
  readonly outputs: Props;
}

/** Parent → child. */
export type ToChild =
  { kind: "run"; request: ProgramRequest } | { kind: "registered"; seq: number; id?: string; outs?: Props; error?: string };

/** Child → parent. */
export type FromChild =
  | { kind: "register"; seq: number; name: string; inputs: Props }
  | { kind: "done"; stack: CapturedStack }
  | { kind: "failed"; error: string };

const ROOT = path.resolve(__dirname, "..");
type Pulumi = typeof import("@pulumi/pulumi");
type NewResource = (args: import("@pulumi/pulumi/runtime").MockResourceArgs) => Promise<{ id: string | undefined; state: Props }>;

/**
 * Forgets the previous stack: the project's modules (the program and its config), and Pulumi's runtime
 * state, which lives in a global store. npm modules stay loaded: loading them again is most of the time.
 */
function freshRuntime(): Pulumi {
  for (const key of Object.keys(require.cache)) {
    if (!key.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[key];
  }
  delete (globalThis as any).globalStore;
  delete (globalThis as any).stackResource;
  return require("@pulumi/pulumi");
}

async function runStack(request: ProgramRequest): Promise<CapturedStack> {
  const pulumi = freshRuntime();
  const { runProgram } = require("../harness/program") as typeof import("../harness/program");
  const run = await runProgram(pulumi, async () => require(path.join(ROOT, "index")), { ...request, preview: false, dynamic: viaParent });
  return { stack: request.stack, resources: run.resources, outputs: run.outputs };
}

const pending = new Map<number, (reply: Extract<ToChild, { kind: "registered" }>) => void>();
let seq = 0;

/** A dynamic resource's registration, answered by the parent with what Create/Update returned. */
const viaParent: NewResource = (args) =>
  new Promise((resolve, reject) => {
    const n = ++seq;
    pending.set(n, (reply) => {
      pending.delete(n);
      if (reply.error !== undefined) reject(new Error(reply.error));
      else resolve({ id: reply.id, state: reply.outs! });
    });
    process.send!({ kind: "register", seq: n, name: args.name, inputs: args.inputs } satisfies FromChild);
  });

// One request at a time (the parent waits for each reply); registrations are answered while an up runs.
if (require.main === module) {
  // Loaded once, ahead of the first request: npm modules stay loaded from stack to stack.
  require("@pulumi/pulumi");
  process.on("message", (message: ToChild) => {
    if (message.kind === "registered") pending.get(message.seq)?.(message);
    else {
      runStack(message.request).then(
        (stack) => process.send!({ kind: "done", stack } satisfies FromChild),
        (err: Error) => process.send!({ kind: "failed", error: err.message } satisfies FromChild),
      );
    }
  });
}
