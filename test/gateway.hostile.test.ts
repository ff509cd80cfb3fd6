/**
 * The gateway's answers are untrusted: a log tail that ignores `lines` and an oversized WebSocket event are
 * bounded by what the drill asked for, not by what the peer sends.
 */
import * as http from "http";
import { WebSocket, WebSocketServer } from "ws";
import { fetchGatewayLogs, MAX_EVENT_BYTES, MAX_EVENTS, openEventStream } from "../lib/gateway";
import { Loopback, onLoopback } from "./helpers/loopback";

const T = { timeoutMs: 5000 };

/** A gateway's WebSocket that greets each client with `greet`. */
async function wsPeer(greet: (peer: WebSocket) => void): Promise<Loopback & { wsUrl: string }> {
  const server = http.createServer((_req, res) => res.end());
  new WebSocketServer({ server }).on("connection", greet);
  const peer = await onLoopback(server);
  return { ...peer, wsUrl: peer.url.replace(/^http/, "ws") };
}

test("a gateway that answers /logs with more lines than asked: the notice gets the last `lines` only", async () => {
  const all = Array.from({ length: 5000 }, (_, i) => `line ${i + 1}`).join("\n");
  const gateway = await onLoopback(http.createServer((_req, res) => res.end(`${all}\n`)));
  try {
    expect(await fetchGatewayLogs(gateway.url, 3, T)).toBe("line 4998\nline 4999\nline 5000");
  } finally {
    await gateway.close();
  }
});

test("an event larger than the cap ends the stream as dropped with ws's reason, after the events before it", async () => {
  const gateway = await wsPeer((peer) => {
    peer.send(JSON.stringify({ type: "qr", sessionId: "s1", qr: "2@ref" }));
    peer.send(Buffer.alloc(MAX_EVENT_BYTES + 1, "a"));
  });
  try {
    const stream = await openEventStream(gateway.wsUrl, T);
    const outcome = await stream.waitFor((e) => e.kind === "status", 5000);
    expect(outcome).toMatchObject({
      outcome: "dropped",
      closeCode: 1006, // ws closes the socket without a close frame of its own (receiverOnError)
      closeReason: "Max payload size exceeded",
      seen: [{ kind: "qr", sessionId: "s1", qr: "2@ref" }],
    });
  } finally {
    await gateway.close();
  }
});

test("a flood of small events ends the stream as dropped once it passes the cap, keeping what came first", async () => {
  const gateway = await wsPeer((peer) => {
    const flood = () => {
      for (let i = 0; i < 500 && peer.readyState === peer.OPEN; i++)
        peer.send(JSON.stringify({ type: "qr", sessionId: "s1", qr: `2@${i}` }));
      if (peer.readyState === peer.OPEN) setImmediate(flood);
    };
    flood();
  });
  try {
    const stream = await openEventStream(gateway.wsUrl, T);
    const outcome = await stream.waitFor((e) => e.kind === "status", 10000);
    expect(outcome).toMatchObject({
      outcome: "dropped",
      closeReason: `more than ${MAX_EVENTS} events on one stream: the gateway floods it`,
    });
    expect(stream.events).toHaveLength(MAX_EVENTS);
  } finally {
    await gateway.close();
  }
});
