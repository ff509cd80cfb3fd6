/** The drill page's server on its own: what answers, the client cap, and a close that ends every connection. */
import * as http from "http";
import * as net from "net";
import { MAX_PAGE_CLIENTS, openDrillPage } from "../drill/page";
import { ReloginView } from "../drill/relogin";

const VIEW: ReloginView = {
  session: "s1",
  attempt: 1,
  maxAttempts: 3,
  status: "scan",
  qr: "2@abc,ref,key",
  qrNumber: 1,
  deadline: Date.now() + 60000,
  detail: "scan",
};

/** Opens an SSE stream and resolves with its status and the first event's data (or the body of a refusal). */
function sse(url: string): Promise<{ status: number; first: string; req: http.ClientRequest; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let buf = "";
      const ended = new Promise<void>((done) => res.on("close", () => done()));
      res.on("data", (c: Buffer) => {
        buf += c.toString();
        if (res.statusCode !== 200 || buf.includes("\n\n")) resolve({ status: res.statusCode!, first: buf, req, ended });
      });
      res.on("end", () => resolve({ status: res.statusCode!, first: buf, req, ended }));
    });
    req.on("error", reject);
  });
}

test("only /<token>/ and /<token>/events answer; the SSE stream starts with the current view, its QR as a PNG, never the QR text", async () => {
  const page = await openDrillPage({ host: "127.0.0.1", port: 0 }, VIEW);
  try {
    expect(page.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/$/);
    const base = page.url.replace(/\/[0-9a-f]{32}\/$/, "");
    const token = page.url.slice(base.length);
    for (const wrong of ["/", "/events", token.slice(0, -1), `${token}../`, `${token}x`, `${token}events/`])
      expect([wrong, (await fetch(base + wrong)).status]).toEqual([wrong, 404]);
    expect((await fetch(page.url, { method: "POST" })).status).toBe(404);
    const html = await fetch(page.url);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-security-policy")).toMatch(/^default-src 'none'; img-src data:;/);
    expect(html.headers.get("referrer-policy")).toBe("no-referrer");
    const stream = await sse(`${page.url}events`);
    const first = JSON.parse(stream.first.replace(/^data: /, ""));
    expect(first).toMatchObject({ session: "s1", attempt: 1, maxAttempts: 3, status: "scan", qrNumber: 1 });
    expect(first.image).toMatch(/^data:image\/png;base64,/);
    expect(first.qr).toBeUndefined();
    expect(first.leftMs).toBeGreaterThan(55000);
    stream.req.destroy();
  } finally {
    await page.close();
  }
});

test(`at most ${MAX_PAGE_CLIENTS} pages at once (503 after); close() ends every stream and frees the port at once`, async () => {
  const page = await openDrillPage({ host: "127.0.0.1", port: 0 }, VIEW);
  const streams = [];
  for (let i = 0; i < MAX_PAGE_CLIENTS; i++) streams.push(await sse(`${page.url}events`));
  expect(streams.map((s) => s.status)).toEqual(Array(MAX_PAGE_CLIENTS).fill(200));
  const refused = await sse(`${page.url}events`);
  expect([refused.status, refused.first]).toEqual([503, "too many open pages\n"]);
  const started = Date.now();
  await page.close();
  await Promise.all(streams.map((s) => s.ended));
  expect(Date.now() - started).toBeLessThan(1000);
  const open = await new Promise<boolean>((resolve) => {
    const s = net.connect(page.port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
  expect(open).toBe(false);
});

test("a port already taken is an error naming it (the re-login then goes on without the page)", async () => {
  const first = await openDrillPage({ host: "127.0.0.1", port: 0 }, VIEW);
  try {
    await expect(openDrillPage({ host: "127.0.0.1", port: first.port }, VIEW)).rejects.toThrow(`EADDRINUSE`);
  } finally {
    await first.close();
  }
});
