/**
 * The gateway's answers are untrusted: a log tail that ignores `lines` and an oversized WebSocket event are
 * bounded by what the drill asked for, not by what the peer sends.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { WebSocketServer } from "ws";
import { fetchGatewayLogs, MAX_EVENT_BYTES, MAX_EVENTS, openEventStream } from "../lib/gateway";

const T = { timeoutMs: 5000 };

async function serve(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

test("a gateway that answers /logs with more lines than asked: the notice gets the last `lines` only", async () => {
  const all = Array.from({ length: 5000 }, (_, i) => `line ${i + 1}`).join("\n");
  const { server, port } = await serve((_req, res) => res.end(`${all}\n`));
  try {
    expect(await fetchGatewayLogs(`http://127.0.0.1:${port}`, 3, T)).toBe("line 4998\nline 4999\nline 5000");
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test("an event larger than the cap ends the stream as dropped with ws's reason, after the events before it", async () => {
  const { server, port } = await serve((_req, res) => res.end());
  const wss = new WebSocketServer({ server });
  wss.on("connection", (peer) => {
    peer.send(JSON.stringify({ type: "qr", sessionId: "s1", qr: "2@ref" }));
    peer.send(Buffer.alloc(MAX_EVENT_BYTES + 1, "a"));
  });
  try {
    const stream = await openEventStream(`ws://127.0.0.1:${port}`, T);
    const outcome = await stream.waitFor((e) => e.kind === "status", 5000);
    expect(outcome).toMatchObject({
      outcome: "dropped",
      closeCode: 1006, // ws closes the socket without a close frame of its own (receiverOnError)
      closeReason: "Max payload size exceeded",
      seen: [{ kind: "qr", sessionId: "s1", qr: "2@ref" }],
    });
  } finally {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("a flood of small events ends the stream as dropped once it passes the cap, keeping what came first", async () => {
  const { server, port } = await serve((_req, res) => res.end());
  const wss = new WebSocketServer({ server });
  wss.on("connection", (peer) => {
    const flood = () => {
      for (let i = 0; i < 500 && peer.readyState === peer.OPEN; i++)
        peer.send(JSON.stringify({ type: "qr", sessionId: "s1", qr: `2@${i}` }));
      if (peer.readyState === peer.OPEN) setImmediate(flood);
    };
    flood();
  });
  try {
    const stream = await openEventStream(`ws://127.0.0.1:${port}`, T);
    const outcome = await stream.waitFor((e) => e.kind === "status", 10000);
    expect(outcome).toMatchObject({
      outcome: "dropped",
      closeReason: `more than ${MAX_EVENTS} events on one stream: the gateway floods it`,
    });
    expect(stream.events).toHaveLength(MAX_EVENTS);
  } finally {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
