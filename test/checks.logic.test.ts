/** The checks' pure decisions, called directly. */
import { judgeHealth, judgeWebConsole } from "../checks/http.logic";
import { checkChanges, publicInputs } from "../providers/checks/check";
import { canonicalJson, secretsHash } from "../providers/identity";
import { decidesAttempt, judgeAttempt, requestFailure } from "../checks/qrPath.logic";
import { judgeQueue, overall, QueueSample } from "../checks/queues.logic";
import { redisLabel } from "../lib/redis";
import { CounterReading, judgeSendRate, readCounters } from "../checks/sendRate.logic";

const SPEC = { metric: "baileys_messages_sent_total", label: "status", successValue: "success", failedValue: "failed" };
const T = { minPerMinute: 10, maxFailureRatio: 0.05, noTraffic: "fail" as const };
const ok = (success: number, failed: number): CounterReading => ({ kind: "ok", success, failed });

describe("readCounters", () => {
  test("sums the success and failed series over other labels (e.g. per session)", () => {
    const text = [
      "# TYPE baileys_messages_sent_total counter",
      'baileys_messages_sent_total{session="a",status="success"} 10',
      'baileys_messages_sent_total{session="b",status="success"} 5',
      'baileys_messages_sent_total{session="a",status="failed"} 2',
      'other_total{status="success"} 99',
    ].join("\n");
    expect(readCounters(text, SPEC)).toEqual({ kind: "ok", success: 15, failed: 2 });
  });

  test("a counter not yet incremented (no failed series) counts as 0", () => {
    expect(readCounters('baileys_messages_sent_total{status="success"} 3\n', SPEC)).toEqual(ok(3, 0));
  });

  test.each([
    ["absent", "up 1\n", { kind: "metric-absent", detail: "baileys_messages_sent_total is absent from /metrics" }],
    ["empty body", "", { kind: "metric-absent", detail: "baileys_messages_sent_total is absent from /metrics" }],
    [
      "wrong label",
      'baileys_messages_sent_total{result="ok"} 3\n',
      { kind: "metric-absent", detail: 'baileys_messages_sent_total has no series with status="success" or status="failed"' },
    ],
    [
      "NaN",
      'baileys_messages_sent_total{status="success"} NaN\n',
      { kind: "nan", detail: 'baileys_messages_sent_total{status="success"} is NaN' },
    ],
    [
      "+Inf",
      'baileys_messages_sent_total{status="failed"} +Inf\n',
      { kind: "nan", detail: 'baileys_messages_sent_total{status="failed"} is +Inf' },
    ],
    [
      "not a number",
      'baileys_messages_sent_total{status="success"} abc\n',
      { kind: "malformed", detail: 'baileys_messages_sent_total{status="success"} has the value "abc", not a number' },
    ],
    [
      "unparseable",
      'baileys_messages_sent_total{status="success" 1\n',
      { kind: "malformed", detail: 'not valid Prometheus text: Encountered invalid line: baileys_messages_sent_total{status="success" 1' },
    ],
  ])("%s", (_label, text, reading) => {
    expect(readCounters(text, SPEC)).toEqual(reading);
  });
});

describe("judgeSendRate", () => {
  test("rate is Δsuccess per minute, ratio Δfailed / (Δsuccess + Δfailed)", () => {
    expect(judgeSendRate(ok(100, 5), ok(160, 6), 30000, T)).toEqual({
      pass: true,
      case: "ok",
      warning: false,
      windowMs: 30000,
      sent: 60,
      failed: 1,
      ratePerMinute: 120,
      failureRatio: 0.016,
      message: "send rate 120/min, failure ratio 0.016 (60 sent, 1 failed in 30.0s)",
    });
  });

  test("no traffic: fails under `fail`, passes with a warning under `warn`", () => {
    expect(judgeSendRate(ok(7, 1), ok(7, 1), 60000, T)).toMatchObject({
      pass: false,
      case: "no-traffic",
      warning: false,
      ratePerMinute: 0,
    });
    expect(judgeSendRate(ok(7, 1), ok(7, 1), 60000, { ...T, noTraffic: "warn" })).toMatchObject({
      pass: true,
      case: "no-traffic",
      warning: true,
      message:
        'no-traffic: no message sent or failed (success 7 → 7, failed 1 → 1 in 60.0s); passed with a warning (checks.sendRate.noTraffic = "warn")',
    });
  });

  test("a counter going down is a reset, not a negative rate", () => {
    expect(judgeSendRate(ok(500, 3), ok(2, 3), 60000, T)).toMatchObject({ pass: false, case: "counter-reset" });
    expect(judgeSendRate(ok(500, 3), ok(600, 0), 60000, T)).toMatchObject({ pass: false, case: "counter-reset" });
  });

  test("failure ratio is judged before the rate (all failing is not 'low rate')", () => {
    expect(judgeSendRate(ok(0, 0), ok(0, 10), 60000, T)).toMatchObject({ case: "high-failure-ratio", failureRatio: 1, ratePerMinute: 0 });
    expect(judgeSendRate(ok(0, 0), ok(5, 0), 60000, T)).toMatchObject({
      case: "low-rate",
      message: "low-rate: 5/min, failure ratio 0 (5 sent, 0 failed in 60.0s); at least 10/min expected",
    });
  });

  test("an unusable reading in either scrape is named with its scrape", () => {
    const absent: CounterReading = { kind: "metric-absent", detail: "x is absent from /metrics" };
    expect(judgeSendRate(ok(1, 0), absent, 1000, T)).toMatchObject({
      pass: false,
      case: "metric-absent",
      message: "metric-absent in the second scrape: x is absent from /metrics",
    });
  });
});

describe("judgeQueue", () => {
  const s = (at: number, waiting: number, extra: Partial<QueueSample> = {}): QueueSample => ({
    at,
    paused: false,
    waiting,
    active: 1,
    delayed: 0,
    failedSinceStart: 0,
    ...extra,
  });

  test("drained as soon as waiting is 0; waiting otherwise until the deadline", () => {
    expect(judgeQueue("q", [s(0, 5), s(1000, 0)], 2, false).state).toBe("drained");
    expect(judgeQueue("q", [s(0, 5), s(1000, 4)], 2, false).state).toBe("waiting");
  });

  test("at the deadline: falling only if lower than at start and at its lowest now", () => {
    expect(judgeQueue("q", [s(0, 9), s(500, 6), s(1000, 3)], 2, true)).toEqual({
      queue: "q",
      state: "falling",
      message: "queue q: still draining, waiting keeps falling (waiting 9 → 3 over 1.0s, active 1, delayed 0)",
    });
    expect(judgeQueue("q", [s(0, 9), s(500, 2), s(1000, 5)], 2, true).state).toBe("stuck");
    expect(judgeQueue("q", [s(0, 9), s(1000, 9)], 2, true).state).toBe("stuck");
  });

  test("paused and failing are decided at once", () => {
    expect(judgeQueue("q", [s(0, 3, { paused: true })], 2, false).state).toBe("paused");
    expect(judgeQueue("q", [s(0, 0, { failedSinceStart: 3, lastFailure: "boom" })], 2, false).message).toBe(
      "queue q: more than 2 jobs failed while the check ran; last failure: boom (waiting 0 → 0 over 0.0s, active 1, delayed 0)",
    );
    expect(judgeQueue("q", [s(0, 0, { failedSinceStart: 2 })], 2, false).state).toBe("drained");
  });

  test("overall: any failure ends it; all drained or falling passes", () => {
    const v = (state: "drained" | "falling" | "waiting" | "stuck") => ({ queue: "q", state, message: "" });
    expect(overall([v("drained"), v("waiting")])).toEqual({ done: false, pass: false });
    expect(overall([v("drained"), v("falling")])).toEqual({ done: true, pass: true });
    expect(overall([v("waiting"), v("stuck")])).toEqual({ done: true, pass: false });
  });

  test("redisLabel never shows the password", () => {
    expect(redisLabel("redis://:pw@db.internal:6380/2")).toBe("redis at db.internal:6380/2");
    expect(redisLabel("redis://user:pw@db")).toBe("redis at db:6379");
    expect(redisLabel("not a url :pw@")).toBe("redis (unparseable URL)");
  });
});

describe("health and web console judgements", () => {
  const res = (status: number, body: string, contentType = "application/json") => ({ status, body, contentType });
  test("health", () => {
    expect(judgeHealth(res(200, '{"status":"ok","uptime":3}'))).toEqual({ pass: true });
    expect(judgeHealth(res(200, "null"))).toEqual({ pass: false, seen: 'HTTP 200 but status is undefined, not "ok": null' });
    expect(judgeHealth(res(502, "<html>Bad gateway</html>"))).toEqual({ pass: false, seen: "HTTP 502: <html>Bad gateway</html>" });
  });
  test("web console", () => {
    expect(judgeWebConsole(res(200, "<!DOCTYPE html><html></html>", "text/html"))).toEqual({ pass: true });
    expect(judgeWebConsole(res(200, "", "text/html"))).toEqual({
      pass: false,
      seen: "HTTP 200 but not an HTML page (content-type text/html): ",
    });
  });
});

describe("QR attempt judgement", () => {
  test("only the canary's QR, open or close end an attempt", () => {
    const decides = decidesAttempt("c");
    expect(decides({ kind: "qr", sessionId: "other", qr: "x" })).toBe(false);
    expect(decides({ kind: "status", sessionId: "c", status: "connecting" })).toBe(false);
    expect(decides({ kind: "status", sessionId: "c", status: "close", reason: "logged-out" })).toBe(true);
    expect(decides({ kind: "unknown", raw: "{}" })).toBe(false);
  });
  test("a close before any QR is a counted attempt, with its reason", () => {
    const event = { kind: "status", sessionId: "c", status: "close", statusCode: 401, reason: "logged-out" } as const;
    expect(judgeAttempt("c", { outcome: "matched", event, seen: [event] }, 1000)).toEqual({
      kind: "attempt",
      detail: "session closed before a QR: c: close (logged-out, 401)",
    });
  });
  test("a timeout with only other sessions' events says so", () => {
    expect(judgeAttempt("c", { outcome: "timeout", seen: [{ kind: "qr", sessionId: "d", qr: "x" }] }, 2500)).toEqual({
      kind: "attempt",
      detail: "no QR or open within 2.5s; no event for c",
    });
  });
  test("a WebSocket dropped before a QR is not ready (the gateway may be restarting), not an attempt", () => {
    expect(judgeAttempt("c", { outcome: "dropped", closeCode: 1006, closeReason: "", seen: [] }, 2500)).toEqual({
      kind: "not-ready",
      detail: "WebSocket dropped (code 1006) before a QR; no event for c",
    });
  });
  test.each([
    [undefined, "not-ready"],
    [500, "not-ready"],
    [503, "not-ready"],
    [408, "not-ready"],
    [429, "not-ready"],
    [401, "wrong"],
    [403, "wrong"],
    [404, "wrong"],
  ] as const)("a request failing with HTTP status %p is %s", (status, kind) => {
    expect(requestFailure(status, "x")).toEqual({ kind, detail: "x" });
  });
});

describe("provider diff logic", () => {
  test("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe(canonicalJson({ a: { c: [3, { e: 0, f: 1 }], d: 2 }, b: 1 }));
  });
  test("outputs keep settings, never secrets or the provider", () => {
    expect(publicInputs({ url: "u", token: "s", __provider: "p", result: {} }, ["token"])).toEqual({ url: "u" });
  });
  test("changed keys: settings, digests, runId, and a rotated secret via its hash", () => {
    const news = { runId: "1", images: { api: "d1" }, token: "s1", __provider: "new code" };
    const olds = { runId: "1", images: { api: "d1" }, secretsHash: secretsHash(news, ["token"]), result: { x: 1 }, __provider: "old code" };
    expect(checkChanges(olds, news, ["token"])).toEqual([]);
    expect(checkChanges(olds, { ...news, images: { api: "d2" }, runId: "2" }, ["token"])).toEqual(["images", "runId"]);
    expect(checkChanges(olds, { ...news, token: "s2" }, ["token"])).toEqual(["secretsHash"]);
    expect(checkChanges({ runId: "1", gone: 1 }, { runId: "1" }, [])).toEqual(["gone"]);
  });
});
