/** qr-path through Pulumi's provider host against the stand-in gateway (HTTP + WebSocket, token from the program's secret). */
import { Props } from "../harness/program";
import { startGateway, StandinGateway } from "../sim/standins/gateway";
import { captureChecks, CheckDriver, startCheckDriver } from "./helpers/checks";
import { TEST_SECRETS } from "./helpers/program";

let gw: StandinGateway;
let driver: CheckDriver;
let session = 0;

beforeAll(async () => {
  const inputs = await captureChecks();
  [gw, driver] = await Promise.all([startGateway({ token: TEST_SECRETS.gatewayToken }), startCheckDriver(inputs)]);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), driver?.host.stop()]);
});
beforeEach(() => gw.set({ qrOnAttempt: 1, dropWebSocketAfterMs: null, httpStatus: null, flatEvents: false, linkedReconnects: false }));

/** A fresh canary session per test, so attempts are counted per test. */
const qr = (over: Props = {}) => ({
  httpUrl: gw.httpUrl,
  wsUrl: gw.wsUrl,
  sessionId: `canary-${++session}`,
  attemptTimeoutMs: 200,
  deadlineMs: 3000,
  requestTimeoutMs: 500,
  ...over,
});

test("passes on the canary's QR, listening before the connect", async () => {
  const inputs = qr();
  const { outs } = await driver.create("qr-path", inputs);
  expect(outs.result).toMatchObject({
    sessionId: inputs.sessionId,
    passedOn: "qr",
    attempts: 1,
    lastEvent: `${inputs.sessionId}: QR (42 chars)`,
  });
  expect(gw.connectAttempts(inputs.sessionId)).toBe(1);
  expect(outs).not.toHaveProperty("gatewayToken");
});

test("passes on `open` for a session that reconnects without a QR; flat events are understood", async () => {
  gw.set({ linkedReconnects: true, flatEvents: true });
  const inputs = qr();
  gw.sessions.set(inputs.sessionId, "open");
  const { outs } = await driver.create("qr-path", inputs);
  expect(outs.result).toMatchObject({ passedOn: "open", attempts: 1, lastEvent: `${inputs.sessionId}: open` });
});

test.each([2, 3])("a QR only on attempt %i still passes, after that many connects", async (attempt) => {
  gw.set({ qrOnAttempt: attempt });
  const inputs = qr();
  const { outs } = await driver.create("qr-path", inputs);
  expect(outs.result).toMatchObject({ passedOn: "qr", attempts: attempt });
  expect(gw.connectAttempts(inputs.sessionId)).toBe(attempt);
  expect(driver.host.output()).toContain("qr-path: attempt 1: no QR or open within 0.2s");
});

test("no QR ever: fails after exactly 3 attempts, with each attempt and the gateway's last log lines", async () => {
  gw.set({ qrOnAttempt: null });
  const inputs = qr();
  const message = await driver.failure("qr-path", inputs);
  expect(gw.connectAttempts(inputs.sessionId)).toBe(3);
  const id = inputs.sessionId;
  expect(message.split("\n").slice(0, 5)).toEqual([
    `QR path for session ${id}: no QR after 3 attempts; escalate to the Lead Engineer with these logs (runbook, QR drill step 5)`,
    `  attempt 1: no QR or open within 0.2s; last event: ${id}: connecting`,
    `  attempt 2: no QR or open within 0.2s; last event: ${id}: connecting`,
    `  attempt 3: no QR or open within 0.2s; last event: ${id}: connecting`,
    "last 200 gateway log lines (GET /logs; by hand: docker logs --tail 200 spec1-baileys):",
  ]);
  expect(message).toContain(`session ${id}: no QR generated (attempt 3)`);
  expect(message).toContain(`http POST /sessions/${id}/connect`);
});

test("a WebSocket dropped mid-wait is reported as such, not as a missing QR", async () => {
  gw.set({ qrOnAttempt: null, dropWebSocketAfterMs: 20 });
  const message = await driver.failure("qr-path", qr());
  expect(message).toMatch(
    /\n {2}attempt 1: WebSocket dropped \(code 1006\) before a QR; last event: canary-\d+: connecting\n {2}attempt 2: WebSocket dropped/,
  );
  expect(message).toContain("websocket: dropping 1 client(s)");
});

test("a gateway answering 503 fails every connect; its logs are still attached", async () => {
  gw.set({ httpStatus: 503 });
  const inputs = qr();
  const message = await driver.failure("qr-path", inputs);
  expect(message).toContain(`  attempt 3: POST /sessions/${inputs.sessionId}/connect: HTTP 503: {"error":"stand-in fault 503"}`);
  expect(message).toContain(`http POST /sessions/${inputs.sessionId}/connect`);
});

test("attempts refused by a gateway still starting are paced, so a gateway up a moment later passes", async () => {
  gw.set({ httpStatus: 503 });
  setTimeout(() => gw.set({ httpStatus: null }), 300);
  const { outs } = await driver.create("qr-path", qr());
  expect(outs.result).toMatchObject({ passedOn: "qr", attempts: 2 });
});

test("a gateway down for most of the deadline does not fail the check; it passes within a second of coming back", async () => {
  // Down (503 on every connect) for 7 s of a 12 s deadline: more tries than `attempts`, none counted.
  gw.set({ httpStatus: 503 });
  let backAt = 0;
  setTimeout(() => ((backAt = Date.now()), gw.set({ httpStatus: null })), 7000);
  const { outs } = await driver.create("qr-path", qr({ attemptTimeoutMs: 2000, deadlineMs: 12000 }));
  const verdictAt = Date.now();
  expect(outs.result).toMatchObject({ passedOn: "qr" });
  expect((outs.result as Props).attempts).toBeGreaterThan(3);
  expect(verdictAt - backAt).toBeLessThan(1500);
}, 30000);

test("a gateway that never comes back fails at the deadline, its retries summarised", async () => {
  gw.set({ httpStatus: 503 });
  const started = Date.now();
  const message = await driver.failure("qr-path", qr({ deadlineMs: 10500 }));
  expect(Date.now() - started).toBeGreaterThanOrEqual(10000);
  expect(message).toMatch(/no QR after 1[0-2] attempts/);
  expect(message).toMatch(/ {2}… \d+ more attempts …\n/);
}, 30000);

test("the check's own deadline ends the attempts", async () => {
  gw.set({ qrOnAttempt: null });
  const inputs = qr({ attemptTimeoutMs: 5000, deadlineMs: 300 });
  const message = await driver.failure("qr-path", inputs);
  expect(message).toContain("no QR after 2 attempts");
  expect(message).toContain("  attempt 2: not started: the check's 0.3s deadline had passed");
  expect(gw.connectAttempts(inputs.sessionId)).toBe(1);
});
