/** A private Redis on a loopback port, for tests and the rehearsal. Stopped by `stop()`, whatever happens. */
import { spawn } from "child_process";
import * as net from "net";
import { pollUntil } from "../../lib/poll";

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when something accepts TCP connections on 127.0.0.1:port, within the bound. */
export function waitForPort(port: number, what: string, deadlineMs = 10000): Promise<void> {
  return pollUntil<void>(
    () =>
      new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => (socket.destroy(), resolve({ done: true, value: undefined })));
        socket.once("error", (e) => resolve({ done: false, seen: e.message }));
      }),
    { what: `${what} on 127.0.0.1:${port}`, deadlineMs, intervalMs: 50 },
  );
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
