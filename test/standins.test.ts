/** The stand-ins are the ground truth of every check test: they must serve the contract and their faults. */
import { connectSession, EventStream, fetchGatewayLogs, gatewayCall, listSessions, openEventStream, sendMessage } from "../lib/gateway";
import { GatewayEvent } from "../lib/gatewayEvents";
import { httpRequest } from "../lib/http";
import { startApi, StandinApi } from "../sim/standins/api";
import { startGateway, StandinGateway } from "../sim/standins/gateway";

const T = { timeoutMs: 2000 };
let gw: StandinGateway;
let api: StandinApi;
const streams: EventStream[] = [];

beforeAll(async () => {
  [gw, api] = await Promise.all([startGateway({ sessions: [{ id: "main", status: "open" }] }), startApi()]);
});
afterAll(async () => {
  streams.forEach((s) => s.close());
  await Promise.all([gw?.stop(), api?.stop()]);
});
beforeEach(() =>
  gw.set({
    qrOnAttempt: 1,
    scanAfterMs: null,
    qrExpiresAfterMs: null,
    qrRotateMs: null,
    qrRefs: null,
    scanQr: 1,
    dropWebSocketAfterMs: null,
    flatEvents: false,
    httpStatus: null,
    metrics: "ok",
  }),
);

async function stream(): Promise<EventStream> {
  const s = await openEventStream(gw.wsUrl, T);
  streams.push(s);
  return s;
}
const of = (id: string) => (e: GatewayEvent) => e.kind !== "unknown" && e.sessionId === id;

describe("stand-in gateway", () => {
  test("lists sessions, and a connect answers 202 then sends the session's QR on the WebSocket", async () => {
    expect(await listSessions(gw.httpUrl, T)).toEqual([{ id: "main", status: "open" }]);
    const s = await stream();
    const res = await gatewayCall("connect", `${gw.httpUrl}/sessions/a1/connect`, { ...T, method: "POST" });
    expect([res.status, JSON.parse(res.body)]).toEqual([202, { sessionId: "a1", status: "connecting" }]);
    expect(await s.waitFor((e) => e.kind === "qr" && e.sessionId === "a1", 2000)).toMatchObject({
      outcome: "matched",
      event: { kind: "qr", sessionId: "a1" },
    });
    expect(gw.connectAttempts("a1")).toBe(1);
  });

  test("QR only from the configured attempt; the scanning device then opens the session", async () => {
    gw.set({ qrOnAttempt: 2, scanAfterMs: 20 });
    const s = await stream();
    await connectSession(gw.httpUrl, "a2", T);
    expect(await s.waitFor((e) => e.kind === "qr" && e.sessionId === "a2", 150)).toMatchObject({ outcome: "timeout" });
    await connectSession(gw.httpUrl, "a2", T);
    expect(await s.waitFor((e) => e.kind === "status" && e.sessionId === "a2" && e.status === "open", 2000)).toMatchObject({
      outcome: "matched",
    });
    expect(gw.sessions.get("a2")).toBe("open");
    expect(s.events.filter(of("a2")).map((e) => e.kind)).toEqual(["status", "status", "qr", "status"]);
  });

  test("QR expiry closes the session with 408 'QR refs attempts ended'; flat events on request", async () => {
    gw.set({ qrExpiresAfterMs: 10, flatEvents: true });
    const s = await stream();
    await connectSession(gw.httpUrl, "a3", T);
    const end = await s.waitFor((e) => e.kind === "status" && e.sessionId === "a3" && e.status === "close", 2000);
    expect(end).toMatchObject({ outcome: "matched", event: { reason: "qr-expired", statusCode: 408 } });
  });

  test("rotation: a new QR every qrRotateMs while the session waits, then 408 'QR refs attempts ended' after qrRefs QRs, as Baileys", async () => {
    gw.set({ qrRotateMs: 30, qrRefs: 3 });
    const s = await stream();
    await connectSession(gw.httpUrl, "r1", T);
    const end = await s.waitFor((e) => e.kind === "status" && e.sessionId === "r1" && e.status === "close", 2000);
    expect(end).toMatchObject({ outcome: "matched", event: { reason: "qr-expired", statusCode: 408 } });
    const qrs = s.events.filter(of("r1")).flatMap((e) => (e.kind === "qr" ? [e.qr] : []));
    expect(qrs).toHaveLength(3);
    expect(new Set(qrs).size).toBe(3);
    expect(gw.currentQr("r1")).toBeUndefined();
  });

  test("rotation: the device scans only the third QR; currentQr follows the rotation and the session opens", async () => {
    gw.set({ qrRotateMs: 40, scanQr: 3, scanAfterMs: 10 });
    const s = await stream();
    await connectSession(gw.httpUrl, "r2", T);
    const first = await s.waitFor((e) => e.kind === "qr" && e.sessionId === "r2", 2000);
    expect(first.outcome === "matched" && first.event.kind === "qr" && first.event.qr).toBe(gw.currentQr("r2"));
    const open = await s.waitFor((e) => e.kind === "status" && e.sessionId === "r2" && e.status === "open", 2000);
    expect(open.outcome).toBe("matched");
    expect(s.events.filter(of("r2")).map((e) => e.kind)).toEqual(["status", "qr", "qr", "qr", "status"]);
    await new Promise((r) => setTimeout(r, 100)); // no QR after open
    expect(s.events.filter(of("r2")).filter((e) => e.kind === "qr")).toHaveLength(3);
  });

  test("no QR ever, and a WebSocket dropped mid-wait", async () => {
    gw.set({ qrOnAttempt: null, dropWebSocketAfterMs: 20 });
    const s = await stream();
    await connectSession(gw.httpUrl, "a4", T);
    const end = await s.waitFor((e) => e.kind === "qr", 2000);
    expect(end.outcome).toBe("dropped");
    expect(end.seen.map((e) => e.kind)).toEqual(["status"]);
    expect(gw.logLines.join("\n")).toContain("session a4: no QR generated (attempt 1)");
  });

  test("messages go through an open session only, and count as sent", async () => {
    const before = gw.counters().success;
    expect(await sendMessage(gw.httpUrl, "main", { to: "60123", text: "drill" }, T)).toEqual({ id: "msg-1", status: "sent" });
    await expect(sendMessage(gw.httpUrl, "nope", { to: "1", text: "x" }, T)).rejects.toThrow(
      'POST /sessions/nope/messages: HTTP 409: {"error":"session nope is not open"}',
    );
    expect(gw.sentMessages).toEqual([{ id: "msg-1", sessionId: "main", to: "60123", text: "drill" }]);
    expect(gw.counters().success).toBe(before + 1);
  });

  test("metrics: counters, traffic, NaN, missing, malformed, reset", async () => {
    const scrape = async () => (await httpRequest(gw.metricsUrl, T)).body;
    expect(await scrape()).toMatch(
      /baileys_messages_sent_total\{status="success"\} \d+\nbaileys_messages_sent_total\{status="failed"\} \d+/,
    );
    gw.set({ successPerMinute: 60000 });
    const a = gw.counters().success;
    await new Promise((r) => setTimeout(r, 50));
    expect(gw.counters().success).toBeGreaterThanOrEqual(a + 40);
    gw.set({ successPerMinute: 0, metrics: "nan" });
    expect(await scrape()).toContain('status="failed"} NaN');
    gw.set({ metrics: "missing" });
    expect(await scrape()).not.toContain("baileys_messages_sent_total");
    gw.set({ metrics: "malformed" });
    expect(await scrape()).toContain('{status="success" 12');
    gw.set({ metrics: "reset" });
    const first = Number(/success"\} (\d+)/.exec(await scrape())![1]);
    const second = Number(/success"\} (\d+)/.exec(await scrape())![1]);
    expect([first > 0, second]).toEqual([true, 0]);
  });

  test("5xx on every route but /logs; slow answers; logs are the last N lines", async () => {
    gw.set({ httpStatus: 503 });
    await expect(listSessions(gw.httpUrl, T)).rejects.toThrow("GET /sessions: HTTP 503");
    gw.set({ httpStatus: null, delayMs: 300 });
    await expect(listSessions(gw.httpUrl, { timeoutMs: 100 })).rejects.toThrow("GET /sessions: no answer within 100ms");
    gw.set({ delayMs: 0 });
    gw.log("marker line");
    const logs = await fetchGatewayLogs(gw.httpUrl, 2, T);
    expect(logs.split("\n")).toHaveLength(2);
    expect(logs).toContain("marker line");
  });

  test("with a token, requests without it are refused on HTTP and WebSocket", async () => {
    const locked = await startGateway({ token: "tok-1" });
    try {
      await expect(listSessions(locked.httpUrl, T)).rejects.toThrow("GET /sessions: HTTP 401");
      expect(await listSessions(locked.httpUrl, { ...T, token: "tok-1" })).toEqual([]);
      await expect(openEventStream(locked.wsUrl, T)).rejects.toThrow("HTTP 401 on upgrade");
      const s = await openEventStream(locked.wsUrl, { ...T, token: "tok-1" });
      s.close();
    } finally {
      await locked.stop();
    }
  });
});

describe("stand-in api", () => {
  test.each([
    ["ok", 200, '{"status":"ok"}'],
    ["degraded", 200, '"status":"degraded"'],
    ["invalid-json", 200, "{status: ok"],
    ["503", 503, "unavailable"],
  ] as const)("health %s", async (mode, status, body) => {
    api.set({ health: mode });
    const res = await httpRequest(api.healthUrl, T);
    expect(res.status).toBe(status);
    expect(res.body).toContain(body);
  });

  test("health hang never answers; web console modes", async () => {
    api.set({ health: "hang" });
    await expect(httpRequest(api.healthUrl, { timeoutMs: 100 })).rejects.toMatchObject({ name: "TimeoutError" });
    expect((await httpRequest(api.webUrl, T)).contentType).toContain("text/html");
    api.set({ web: "not-html" });
    expect((await httpRequest(api.webUrl, T)).contentType).toBe("application/json");
    api.set({ web: "500" });
    expect((await httpRequest(api.webUrl, T)).status).toBe(500);
    expect(api.requests("/api/health")).toBeGreaterThan(0);
  });
});
