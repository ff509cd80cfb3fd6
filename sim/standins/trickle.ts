/**
 * A hostile WebSocket peer: a raw TCP server that answers every upgrade with `HTTP/1.1 101 Switching
 * Protocols` one byte every `everyMs`, then padding headers the same way, forever. Each byte resets a socket
 * idle timeout (as `ws`'s handshakeTimeout is), so only an end-to-end deadline ends the wait.
 */
import * as net from "net";
import { AddressInfo } from "net";

export interface TricklingPeer {
  readonly wsUrl: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTricklingWebSocket(everyMs = 100): Promise<TricklingPeer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    const head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Pad: ";
    let i = 0;
    socket.once("data", () => {
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(i < head.length ? head[i++] : "a");
      }, everyMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    wsUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => accepted,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
