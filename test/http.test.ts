import * as http from "http";
import { httpRequest, MAX_BODY_BYTES, requestOk } from "../lib/http";
import { onLoopback } from "./helpers/loopback";

/** A server that drops the connection of its first `resets` requests without answering, then answers 200. */
async function resettingServer(resets: number): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.method!);
    if (seen.length <= resets) return void req.socket.destroy();
    res.end("fine");
  });
  const { url, close } = await onLoopback(server);
  return { url: `${url}/`, seen, close };
}

test("a GET whose connection is dropped before any answer is sent once more, within the same deadline", async () => {
  const server = await resettingServer(1);
  try {
    const res = await httpRequest(server.url, { timeoutMs: 2000 });
    expect([res.status, res.body]).toEqual([200, "fine"]);
    expect(server.seen).toEqual(["GET", "GET"]);
  } finally {
    await server.close();
  }
});

test("only once: a second drop fails with the reset", async () => {
  const server = await resettingServer(2);
  try {
    await expect(httpRequest(server.url, { timeoutMs: 2000 })).rejects.toMatchObject({
      cause: { code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/) },
    });
    expect(server.seen).toEqual(["GET", "GET"]);
  } finally {
    await server.close();
  }
});

test("a POST is never sent twice: the server may have acted on it", async () => {
  const server = await resettingServer(1);
  try {
    await expect(httpRequest(server.url, { timeoutMs: 2000, method: "POST", json: { a: 1 } })).rejects.toThrow();
    expect(server.seen).toEqual(["POST"]);
  } finally {
    await server.close();
  }
});

test("an answer larger than the cap is cut off there, well inside the deadline, with a message naming the cap", async () => {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, "x");
  // An endless body, as fast as the socket takes it.
  const server = http.createServer((_req, res) => {
    const pump = () => {
      while (!res.destroyed && ((sent += chunk.length), res.write(chunk)));
      if (!res.destroyed) res.once("drain", pump);
    };
    pump();
  });
  const peer = await onLoopback(server);
  try {
    const started = Date.now();
    await expect(requestOk("GET /metrics", `${peer.url}/metrics`, { timeoutMs: 20000 })).rejects.toThrow(
      `GET /metrics: answer larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB (HTTP 200): stopped reading`,
    );
    expect(Date.now() - started).toBeLessThan(10000);
    expect(sent).toBeGreaterThan(MAX_BODY_BYTES);
  } finally {
    await peer.close();
  }
});

test("an answer of exactly the cap is read whole", async () => {
  const peer = await onLoopback(http.createServer((_req, res) => res.end(Buffer.alloc(MAX_BODY_BYTES, "y"))));
  try {
    const res = await httpRequest(`${peer.url}/`, { timeoutMs: 20000 });
    expect(res.body.length).toBe(MAX_BODY_BYTES);
  } finally {
    await peer.close();
  }
});
