import type { AddressInfo, Server, Socket } from "net";

export interface Loopback {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Closes the server, first dropping every connection still open (a trickling peer's never ends by itself). */
  close(): Promise<void>;
}

/** Starts a test's own server (HTTP or plain TCP) on a free port of 127.0.0.1. */
export async function onLoopback(server: Server): Promise<Loopback> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => (sockets.add(socket), socket.once("close", () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
