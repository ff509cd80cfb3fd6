/**
 * Everything the rehearsal starts is registered here as it starts, and stopped in reverse order at the
 * end, whatever happened: a failed procedure, an exception, or Ctrl-C. The private temp dir goes last.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const TEMP_PREFIX = "spec1-rehearsal-";

interface Started {
  readonly what: string;
  readonly stop: () => Promise<void>;
}

export class Lifecycle {
  /** The temp dir before the run, for caches that should outlive it (tsx's compile cache). */
  readonly outerTmpdir = os.tmpdir();
  /** Private to this run, under os.tmpdir(); removed by `close()`. */
  readonly tempDir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  /** Loopback ports and child pids this run used: after `close()` none of them answers. */
  readonly ports: number[] = [];
  readonly pids: number[] = [];
  private readonly started: Started[] = [];
  private closing: Promise<string[]> | undefined;

  constructor(readonly log: (line: string) => void) {}

  /** Starts one thing and registers how to stop it; nothing starts once closing has begun. */
  async start<T extends { stop(): Promise<void> }>(what: string, start: () => Promise<T>): Promise<T> {
    if (this.closing) throw new Error(`not starting ${what}: the rehearsal is stopping`);
    const service = await start();
    this.started.push({ what, stop: () => service.stop() });
    if (this.closing) await service.stop();
    return service;
  }

  /** Registers a cleanup step that is not a service (e.g. destroying a stack's resources). */
  defer(what: string, stop: () => Promise<void>): void {
    if (this.closing) throw new Error(`not registering ${what}: the rehearsal is stopping`);
    this.started.push({ what, stop });
  }

  /** Stops everything in reverse order, each step on its own (one failure does not skip the rest). Idempotent. */
  close(): Promise<string[]> {
    this.closing ??= this.stopAll();
    return this.closing;
  }

  private async stopAll(): Promise<string[]> {
    const problems: string[] = [];
    for (const { what, stop } of [...this.started].reverse()) {
      try {
        await stop();
      } catch (err) {
        problems.push(`stopping ${what}: ${(err as Error).message}`);
      }
    }
    fs.rmSync(this.tempDir, { recursive: true, force: true });
    for (const p of problems) this.log(`! ${p}`);
    return problems;
  }
}

/**
 * While `body` runs, SIGINT/SIGTERM stop everything first and then exit with 128+signal, as a shell expects.
 * The handlers are removed afterwards, so a test calling the rehearsal as a function keeps its own.
 */
export async function withSignalCleanup<T>(lifecycle: Lifecycle, log: (line: string) => void, body: () => Promise<T>): Promise<T> {
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping everything the rehearsal started…`);
    void lifecycle.close().then(() => process.exit(codes[signal]));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body();
  } finally {
    await lifecycle.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/**
 * While the rehearsal runs, in its own process and every child: anything created under os.tmpdir() — by
 * the stand-ins, the provider host and the providers it runs — lands in the rehearsal's private temp dir,
 * so removing it leaves nothing; and the AWS SDK's notice about future Node versions stays out of the output.
 */
export async function withRehearsalEnv<T>(tempDir: string, body: () => Promise<T>): Promise<T> {
  const vars = { TMPDIR: tempDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  // Traversable, not listable: the disposable Postgres runs as the `postgres` user under it.
  fs.chmodSync(tempDir, 0o711);
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
