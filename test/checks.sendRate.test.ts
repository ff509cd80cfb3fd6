/** send-rate through Pulumi's provider host against the stand-in gateway's /metrics (token from the program's secret). */
import * as http from "http";
import type { AddressInfo } from "net";
import { judgeSendRate } from "../checks/sendRate.logic";
import { Props } from "../harness/program";
import { startGateway, StandinGateway } from "../sim/standins/gateway";
import { captureChecks, CheckDriver, startCheckDriver } from "./helpers/checks";
import { TEST_SECRETS } from "./helpers/program";

let gw: StandinGateway;
let driver: CheckDriver;

beforeAll(async () => {
  const inputs = await captureChecks();
  [gw, driver] = await Promise.all([startGateway({ token: TEST_SECRETS.gatewayToken }), startCheckDriver(inputs)]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), driver?.host.stop()]);
});
beforeEach(() => gw.set({ metrics: "ok", httpStatus: null, successPerMinute: 0, failedPerMinute: 0 }));

/** One 200 ms window: a deadline shorter than two windows allows exactly one measurement. */
const once = (over: Props = {}) => ({ metricsUrl: gw.metricsUrl, windowMs: 200, deadlineMs: 300, requestTimeoutMs: 500, ...over });
const failure = (over: Props = {}) => driver.failure("send-rate", once(over));
const prefix = () => `send rate at ${gw.metricsUrl}: not healthy within 0s (1 measurement); last: `;

test("passes on a healthy rate, reporting rate, ratio and counts", async () => {
  gw.set({ successPerMinute: 60000 });
  const { outs } = await driver.create("send-rate", once());
  const result = outs.result as Props;
  expect(result).toMatchObject({ pass: true, case: "ok", warning: false, failed: 0, failureRatio: 0, measurements: 1 });
  expect(result.sent).toBeGreaterThanOrEqual(150);
  expect(result.ratePerMinute).toBeGreaterThan(40000);
  expect(outs).not.toHaveProperty("gatewayToken");
});

test("early pass: once minSends messages went out within the failure ratio, the window need not end", async () => {
  gw.set({ successPerMinute: 1200 }); // 20 a second
  const started = Date.now();
  const { outs } = await driver.create("send-rate", once({ windowMs: 10000, deadlineMs: 30000, minSends: 20 }));
  const result = outs.result as Props;
  expect(result).toMatchObject({ pass: true, case: "ok", measurements: 1 });
  expect(result.sent).toBeGreaterThanOrEqual(20);
  expect(result.message).toMatch(/; passed early: \d+ sends ≥ 20$/);
  expect(Date.now() - started).toBeLessThan(5000);
}, 30000);

test("no early pass under minSends, nor with failures beyond the ratio: those wait for the window's end", async () => {
  gw.set({ successPerMinute: 120 }); // 2 a second: 6 in 3 s, under minSends 20
  let started = Date.now();
  let outs = (await driver.create("send-rate", once({ windowMs: 3000, deadlineMs: 5000, minSends: 20 }))).outs;
  expect((outs.result as Props).message).not.toContain("passed early");
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  gw.set({ successPerMinute: 1200, failedPerMinute: 600 });
  started = Date.now();
  const message = await driver.failure("send-rate", once({ windowMs: 3000, deadlineMs: 5000, minSends: 20 }));
  expect(message).toContain("high-failure-ratio");
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
}, 30000);

test("no traffic fails by default, naming the case and the policy key", async () => {
  const message = await failure();
  expect(message.startsWith(prefix())).toBe(true);
  expect(message).toMatch(
    /last: no-traffic: no message sent or failed \(success (\d+) → \1, failed (\d+) → \2 in 0\.[2-9]s\); set checks\.sendRate\.noTraffic to "warn" where quiet periods are normal$/,
  );
});

test("no traffic under the warn policy passes, with a warning in the log and the outputs", async () => {
  const { outs } = await driver.create("send-rate", once({ noTraffic: "warn" }));
  expect(outs.result).toMatchObject({ pass: true, case: "no-traffic", warning: true, sent: 0, failed: 0 });
  expect(driver.host.output()).toMatch(/warn.*send-rate: no-traffic: no message sent or failed/i);
});

test("a high failure ratio fails with the ratio and counts", async () => {
  gw.set({ successPerMinute: 30000, failedPerMinute: 30000 });
  expect(await failure()).toMatch(
    /last: high-failure-ratio: [\d.]+\/min, failure ratio 0\.[45]\d* \(\d+ sent, \d+ failed in 0\.[2-9]s\); at most 0\.05 allowed$/,
  );
});

test("a rate under the threshold fails as low-rate", async () => {
  gw.set({ successPerMinute: 6000 });
  expect(await failure({ minPerMinute: 1000000 })).toMatch(
    /last: low-rate: [\d.]+\/min, failure ratio 0 \(\d+ sent, 0 failed in 0\.[2-9]s\); at least 1000000\/min expected$/,
  );
});

test.each([
  ["missing", "metric-absent in the first scrape: baileys_messages_sent_total is absent from /metrics"],
  [
    "malformed",
    'malformed in the first scrape: not valid Prometheus text: Encountered invalid line: baileys_messages_sent_total{status="success" 12',
  ],
  ["nan", 'nan in the first scrape: baileys_messages_sent_total{status="failed"} is NaN'],
] as const)("metrics %s: named in the report, never a crash or a pass", async (mode, last) => {
  gw.set({ metrics: mode });
  expect(await failure()).toBe(prefix() + last);
});

test("a counter reset between the scrapes is named as such", async () => {
  gw.set({ metrics: "reset" });
  expect(await failure()).toMatch(
    /last: counter-reset: a counter went down \(success \d+ → 0, failed \d+ → 0 in 0\.[2-9]s\); the gateway restarted during the window$/,
  );
});

test("a configured metric name the gateway does not export is absent", async () => {
  expect(await failure({ metric: "wa_sent_total" })).toBe(
    prefix() + "metric-absent in the first scrape: wa_sent_total is absent from /metrics",
  );
  expect(await failure({ label: "result" })).toContain('has no series with result="success" or result="failed"');
});

test("a gateway answering 503, or refusing the token, fails the scrape", async () => {
  gw.set({ httpStatus: 503 });
  // A failed scrape ends its measurement at once; the next may start only a window later, past this deadline.
  expect(await failure({ deadlineMs: 150 })).toBe(
    prefix() + `scrape-failed: GET ${gw.metricsUrl}: HTTP 503: {"error":"stand-in fault 503"}`,
  );
  gw.set({ httpStatus: null });
  expect(await failure({ gatewayToken: "wrong" })).toContain(`scrape-failed: GET ${gw.metricsUrl}: HTTP 401`);
});

test("a gateway refusing connections (restarting) is scraped again every second: a busy one passes about 2 s after it is back", async () => {
  // A 30 s window: a sixth of it (the old retry pace) would be 5 s.
  gw.set({ successPerMinute: 60000 });
  await gw.goDown();
  let backAt = 0;
  const back = new Promise<void>((resolve) => setTimeout(() => void gw.comeBack().then(() => ((backAt = Date.now()), resolve())), 2500));
  try {
    const { outs } = await driver.create("send-rate", once({ windowMs: 30000, deadlineMs: 60000 }));
    expect(backAt).toBeGreaterThan(0);
    expect(Date.now() - backAt).toBeLessThan(3000);
    expect(outs.result).toMatchObject({ pass: true, case: "ok" });
    // Refused at 0, 1 and 2 s: a try every second (a sixth of the window would allow only one before 5 s).
    expect((outs.result as Props).measurements).toBeGreaterThanOrEqual(3);
    expect(driver.host.output()).toMatch(/send-rate: measurement 1: scrape-failed: GET http:\/\/127\.0\.0\.1:\d+\/metrics: ECONNREFUSED/);
  } finally {
    await back;
  }
}, 20000);

test("measures again until the deadline: traffic that starts late still passes", async () => {
  const lateTraffic = driver.whenLogged("send-rate: measurement 1: no-traffic").then(() => gw.set({ successPerMinute: 60000 }));
  const { outs } = await driver.create("send-rate", once({ deadlineMs: 3000 }));
  await lateTraffic;
  expect(outs.result).toMatchObject({ pass: true, case: "ok" });
  expect((outs.result as Props).measurements).toBeGreaterThan(1);
});

/** A /metrics that always answers `text`: for values the stand-in gateway never produces. */
async function fixedMetrics(text: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(text));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("series whose sum overflows to Infinity are named nan, never a pass", async () => {
  const big = [
    'baileys_messages_sent_total{status="success",session="a"} 1.7e308',
    'baileys_messages_sent_total{status="success",session="b"} 1.7e308',
    'baileys_messages_sent_total{status="failed"} 0',
  ].join("\n");
  const metrics = await fixedMetrics(`${big}\n`);
  try {
    expect(await failure({ metricsUrl: metrics.url })).toBe(
      `send rate at ${metrics.url}: not healthy within 0s (1 measurement); last: ` +
        'nan in the first scrape: baileys_messages_sent_total{status="success"} sums to Infinity',
    );
  } finally {
    await metrics.close();
  }
});

test("finite counters whose rate overflows are named nan: NaN and Infinity fail every threshold, so they must not pass", () => {
  const T = { minPerMinute: 1, maxFailureRatio: 0.05, noTraffic: "fail" as const };
  const ok = (success: number, failed: number) => ({ kind: "ok" as const, success, failed });
  expect(judgeSendRate(ok(1e308, 0), ok(1.7e308, 0), 30000, T)).toEqual({
    pass: false,
    case: "nan",
    warning: false,
    message: "nan: the counters give no finite rate (success 1e+308 → 1.7e+308, failed 0 → 0 in 30.0s)",
    windowMs: 30000,
  });
});
