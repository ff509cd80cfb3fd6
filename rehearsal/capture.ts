/** Runs `captureStacks.ts` in a child process and returns what the program registered for each stack. */
import { fork } from "child_process";
import * as path from "path";
import * as readline from "readline";
import type { CaptureReply, CaptureRequest, CapturedStack } from "./captureStacks";
import { Lifecycle } from "./lifecycle";

export type { CapturedStack } from "./captureStacks";
export type StackResource = CapturedStack["resources"][number];

const CAPTURE_TIMEOUT_MS = 60000;

export async function captureStacks(lifecycle: Lifecycle, requests: CaptureRequest[]): Promise<CapturedStack[]> {
  const child = await lifecycle.start("the program under Pulumi mocks", async () => {
    // Secrets go over the IPC channel, never in argv or the environment.
    const proc = fork(path.join(__dirname, "captureStacks.ts"), [], {
      execArgv: ["--import", "tsx"],
      cwd: path.resolve(__dirname, ".."),
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      // tsx keeps its compile cache in the temp dir: the outer one keeps it warm from run to run.
      env: { ...process.env, TMPDIR: lifecycle.outerTmpdir },
    });
    lifecycle.pids.push(proc.pid!);
    // What the program logs (e.g. which backup the restore will take) is progress: show it, indented.
    for (const stream of [proc.stdout!, proc.stderr!]) readline.createInterface({ input: stream }).on("line", (l) => lifecycle.log(`      │ ${l}`));
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    return { proc, exited, stop: async () => (proc.exitCode === null && proc.signalCode === null ? (proc.kill("SIGKILL"), exited) : exited) };
  });
  const reply = await new Promise<CaptureReply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the program did not finish under mocks within ${CAPTURE_TIMEOUT_MS / 1000}s`)), CAPTURE_TIMEOUT_MS);
    child.proc.once("message", (m) => (clearTimeout(timer), resolve(m as CaptureReply)));
    child.proc.once("exit", (code, signal) => (clearTimeout(timer), reject(new Error(`the program's process ended (${signal ?? code}) before reporting`))));
    child.proc.send(requests);
  });
  await child.stop();
  if (!reply.ok) throw new Error(`stack ${reply.stack}: ${reply.error}`);
  return reply.stacks;
}
