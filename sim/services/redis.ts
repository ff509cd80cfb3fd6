/** A private Redis on a loopback port, for tests and the rehearsal. Stopped by `stop()`, whatever happens. */
import { spawn } from "child_process";
import type { CommandLine } from "../../lib/exec";
import { freePort, waitForPort } from "../../lib/net";

/** Its settings come on stdin (`redis-server -`), so a password never shows in `ps`. */
export const REDIS_SERVER_COMMAND: CommandLine = { command: "redis-server", args: ["-"] };

/** A throwaway server: loopback only, nothing written to disk. */
export function redisConfig(port: number, password?: string): string {
  const lines = [`port ${port}`, "bind 127.0.0.1", 'save ""', "appendonly no"];
  if (password) lines.push(`requirepass "${password.replace(/["\\]/g, "")}"`);
  return `${lines.join("\n")}\n`;
}

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function startRedis(opts: { password?: string } = {}): Promise<LocalRedis> {
  const port = await freePort();
  const child = spawn(REDIS_SERVER_COMMAND.command, REDIS_SERVER_COMMAND.args, { stdio: ["pipe", "ignore", "ignore"] });
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(redisConfig(port, opts.password));
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
