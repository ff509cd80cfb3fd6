/** Loopback ports for the servers this project starts (tests, rehearsal, the local restore engine). */
import * as net from "net";
import { pollUntil } from "./poll";

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
