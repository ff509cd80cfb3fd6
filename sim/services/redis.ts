/** A private Redis on a loopback port, for tests and the rehearsal. Stopped by `stop()`, whatever happens. */
import { spawn } from "child_process";
import { freePort, waitForPort } from "../../lib/net";

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startRedis(opts: { password?: string } = {}): Promise<LocalRedis> {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  if (opts.password) args.push("--requirepass", opts.password);
  const child = spawn("redis-server", args, { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", () => undefined);
  try {
    await waitForPort(port, "redis-server");
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start (is it installed? run scripts/setup): ${(err as Error).message}`);
  }
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : "";
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
