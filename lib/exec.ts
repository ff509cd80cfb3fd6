/** Runs a CommandLine with a bound, optional stdin stream and line-by-line stderr; errors carry the tool's own words. */
import type { Readable } from "stream";

/** A command as data (argv, never a shell string): built by pure functions, asserted in tests as exact text. */
export interface CommandLine {
  readonly command: string;
  readonly args: readonly string[];
  /** Extra environment variables (merged over the runner's). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunOptions {
  /** Named in errors, e.g. "pg_restore". */
  readonly what: string;
  readonly timeoutMs: number;
  /** Streamed into the command's stdin (and its errors reported as this command's). */
  readonly stdin?: Readable;
  readonly onStderrLine?: (line: string) => void;
  /** Run as this OS user (root starting a server that refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
  /** Working directory; a tool run as another user needs one it may enter (the runner's may be 0700). */
  readonly cwd?: string;
  /** Aborted: the command is killed (SIGKILL), e.g. when the process running it is being stopped. */
  readonly signal?: AbortSignal;
}

/** The lines worth showing from a failed tool's stderr: its errors, else its last lines. */
export function errorLines(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter(
    (l) => /error|fatal|could not|unsupported|invalid|no such/i.test(l) && !/^pg_restore: (processing|creating|launching|finished)/.test(l),
  );
  return (errors.length > 0 ? errors : lines).slice(-5).join(" | ");
}

export function runCommand(cmd: CommandLine, opts: RunOptions): Promise<string> {
  const { spawn } = require("child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, {
      env: { ...process.env, ...cmd.env },
      stdio: [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"],
      uid: opts.uid,
      gid: opts.gid,
      cwd: opts.cwd,
    });
    let stdout = "";
    let stderr = "";
    let partial = "";
    let failure: Error | undefined;
    const timer = setTimeout(() => {
      failure = new Error(`${opts.what} did not finish within ${Math.round(opts.timeoutMs / 1000)}s and was stopped`);
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    const abort = () => {
      failure ??= new Error(`${opts.what} was stopped: the process running it is being stopped`);
      child.kill("SIGKILL");
    };
    if (opts.signal?.aborted) abort();
    opts.signal?.addEventListener("abort", abort, { once: true });
    child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d).slice(-65536)));
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d).slice(-65536);
      const lines = (partial + d).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) opts.onStderrLine?.(line);
    });
    if (opts.stdin) {
      opts.stdin.once("error", (err: Error) => {
        failure ??= new Error(`${opts.what}: reading its input failed: ${err.message}`);
        child.kill("SIGKILL");
      });
      // EPIPE when the tool stops early: its own exit status and stderr say why.
      child.stdin.on("error", () => undefined);
      opts.stdin.pipe(child.stdin);
    }
    child.once("error", (err: Error) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", abort);
      reject(new Error(`${opts.what}: cannot run ${cmd.command}: ${err.message}`));
    });
    child.once("close", (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", abort);
      // A tool that stopped early leaves its input half-read: close the file behind it.
      opts.stdin?.destroy();
      if (failure) reject(failure);
      else if (code === 0) resolve(stdout);
      else reject(new Error(`${opts.what} failed (${signal ?? `exit ${code}`}): ${errorLines(stderr) || "no error output"}`));
    });
  });
}
