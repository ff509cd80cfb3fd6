/**
 * Child process of the rehearsal: runs the program (index.ts) under Pulumi's mocks once per requested
 * stack and sends back, over the IPC channel, every registered resource with its inputs (secrets still
 * wrapped, serialized providers in `__provider`) and the resources each one depends on.
 *
 * Pulumi keeps its runtime state per process, so each stack runs in a fresh module registry here, and
 * the rehearsal runs this script in a process of its own rather than in its own.
 */
import * as path from "path";
import type { CapturedResource, Props } from "../local/program";

export interface CaptureRequest {
  readonly stack: string;
  /** Config without the `spec1:` namespace, as the stack file plus overrides give it. */
  readonly config: Props;
  readonly secrets: Record<string, string>;
}

export interface CapturedStack {
  readonly stack: string;
  readonly resources: (CapturedResource & { readonly dependencies: string[] })[];
  readonly outputs: Props;
}

export type CaptureReply = { ok: true; stacks: CapturedStack[] } | { ok: false; stack: string; error: string };

const ROOT = path.resolve(__dirname, "..");

/** The logical name at the end of a URN (`urn:pulumi:stack::project::type$type::name`). */
export function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

async function captureOne(request: CaptureRequest): Promise<CapturedStack> {
  freshRuntime();
  const pulumi = require("@pulumi/pulumi");
  const { runProgram } = require("../local/program") as typeof import("../local/program");
  const dependencies = recordDependencies();
  const run = await runProgram(pulumi, async () => require(path.join(ROOT, "index")), { ...request, preview: false });
  const resources = run.resources.map((r) => ({ ...r, dependencies: dependencies.get(r.name) ?? [] }));
  return { stack: request.stack, resources, outputs: run.outputs };
}

/** Forgets the previous stack: every loaded module but the TypeScript loader, and Pulumi's global store. */
function freshRuntime(): void {
  for (const key of Object.keys(require.cache)) {
    if (!key.includes(`${path.sep}node_modules${path.sep}tsx${path.sep}`)) delete require.cache[key];
  }
  delete (globalThis as any).globalStore;
  delete (globalThis as any).stackResource;
}

/**
 * `runProgram`'s mocks see a resource's inputs but not its dependencies, which `pulumi up` uses to run
 * independent resources in parallel; the mock monitor's requests carry them, so read them there.
 */
function recordDependencies(): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
  const register = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (req: any, callback: unknown) {
    seen.set(req.getName(), req.getDependenciesList().map(nameOfUrn));
    return register.call(this, req, callback);
  };
  return seen;
}

async function main(requests: CaptureRequest[]): Promise<CaptureReply> {
  const stacks: CapturedStack[] = [];
  for (const request of requests) {
    try {
      stacks.push(await captureOne(request));
    } catch (err) {
      return { ok: false, stack: request.stack, error: (err as Error).message };
    }
  }
  return { ok: true, stacks };
}

if (require.main === module) {
  process.once("message", (requests: CaptureRequest[]) => {
    void main(requests).then((reply) => process.send!(reply, () => process.exit(0)));
  });
}
