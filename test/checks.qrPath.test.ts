/** qr-path through Pulumi's provider host against the stand-in gateway (HTTP + WebSocket, token from the program's secret). */
import { Props } from "../harness/program";
import { startGateway, StandinGateway } from "../sim/standins/gateway";
import { startTricklingWebSocket } from "../sim/standins/trickle";
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
    lastEvent: `${inputs.sessionId}: QR (44 chars)`,
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

test("a WebSocket dropped mid-wait is 'not ready' (a gateway restarting), tried again until the deadline, and reported as such", async () => {
  gw.set({ qrOnAttempt: null, dropWebSocketAfterMs: 20 });
  const inputs = qr();
  const message = await driver.failure("qr-path", inputs);
  const id = inputs.sessionId;
  const tries = gw.connectAttempts(id);
  expect(tries).toBeGreaterThanOrEqual(3);
  expect(message.split("\n").slice(0, 2)).toEqual([
    `QR path for session ${id}: no QR within the check's 3.0s deadline (0 attempts; the gateway was not ready ${tries} times, tried every 1.0s); escalate to the Lead Engineer with these logs (runbook, QR drill step 5)`,
    `  not ready ×${tries}: WebSocket dropped (code 1006) before a QR; last event: ${id}: connecting`,
  ]);
  expect(message).toContain("websocket: dropping 1 client(s)");
});

test("a gateway answering 503 is not ready until the deadline, never failing before it; its logs are still attached", async () => {
  gw.set({ httpStatus: 503 });
  const inputs = qr();
  const started = Date.now();
  const message = await driver.failure("qr-path", inputs);
  expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  expect(message).toMatch(
    new RegExp(
      `^QR path for session ${inputs.sessionId}: no QR within the check's 3\\.0s deadline \\(0 attempts; the gateway was not ready [2-4] times`,
    ),
  );
  expect(message).toMatch(
    new RegExp(`\\n  not ready ×[2-4]: POST /sessions/${inputs.sessionId}/connect: HTTP 503: \\{"error":"stand-in fault 503"\\}\\n`),
  );
  expect(message).toContain(`http POST /sessions/${inputs.sessionId}/connect`);
});

test("tries refused by a gateway still starting do not count: a gateway up a moment later passes on attempt 1", async () => {
  gw.set({ httpStatus: 503 });
  const up = driver.whenLogged("gateway not ready, trying every").then(() => gw.set({ httpStatus: null }));
  const { outs } = await driver.create("qr-path", qr());
  await up;
  expect(outs.result).toMatchObject({ passedOn: "qr", attempts: 1, notReady: 1 });
});

test("a gateway down (connection refused) for 7 s of a 12 s deadline passes, within 1.5 s of its coming back", async () => {
  // Production's case scaled by 10: down 70 s of the 120 s deadline, 30 s attempts; tried every second as in production.
  const inputs = qr({ attemptTimeoutMs: 3000, deadlineMs: 12000 });
  await gw.goDown();
  let backAt = 0;
  const back = new Promise<void>((resolve) => setTimeout(() => void gw.comeBack().then(() => ((backAt = Date.now()), resolve())), 7000));
  try {
    const { outs } = await driver.create("qr-path", inputs);
    expect(backAt).toBeGreaterThan(0);
    expect(Date.now() - backAt).toBeLessThan(1500);
    expect(outs.result).toMatchObject({ passedOn: "qr", attempts: 1 });
    expect((outs.result as Props).notReady).toBeGreaterThanOrEqual(6);
    // One log line per reason, not one per try.
    const refused = driver.host
      .output()
      .match(/qr-path: gateway not ready, trying every 1000ms: WebSocket ws:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/g);
    expect(refused).toHaveLength(1);
  } finally {
    await back;
  }
}, 30000);

test("a gateway down for the whole deadline fails at the deadline, its tries counted per reason", async () => {
  await gw.goDown();
  const inputs = qr({ deadlineMs: 3500 });
  const started = Date.now();
  try {
    const message = await driver.failure("qr-path", inputs);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3500);
    const lines = message.split("\n");
    expect(lines[0]).toBe(
      `QR path for session ${inputs.sessionId}: no QR within the check's 3.5s deadline (0 attempts; the gateway was not ready 4 times, tried every 1.0s); escalate to the Lead Engineer with these logs (runbook, QR drill step 5)`,
    );
    expect(lines[1]).toBe(`  not ready ×4: WebSocket ${gw.wsUrl}: connect ECONNREFUSED 127.0.0.1:${gw.wsPort}`);
    expect(lines[3]).toMatch(/^\(gateway logs unavailable: GET \/logs\?lines=200: ECONNREFUSED/);
  } finally {
    await gw.comeBack();
  }
}, 30000);

test("a definitive answer (a wrong token: 401) fails at once, not at the deadline", async () => {
  const inputs = qr({ gatewayToken: "wrong-token", deadlineMs: 10000 });
  const started = Date.now();
  const message = await driver.failure("qr-path", inputs);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(message.split("\n")[0]).toBe(
    `QR path for session ${inputs.sessionId}: the gateway refused the check, which no retry can change: WebSocket ${gw.wsUrl}: HTTP 401 on upgrade; check checks.gateway.httpUrl, checks.gateway.wsUrl and the gatewayToken secret`,
  );
  expect(gw.connectAttempts(inputs.sessionId)).toBe(0);
});

test("a trickling WebSocket peer (101 one byte at a time) cannot stretch the check past its deadline", async () => {
  const peer = await startTricklingWebSocket(50);
  try {
    const started = Date.now();
    const message = await driver.failure("qr-path", qr({ wsUrl: peer.wsUrl, deadlineMs: 3000, requestTimeoutMs: 500 }));
    const elapsed = Date.now() - started;
    // No answer is "not ready" (a gateway restarting may come back): tried every second until the deadline.
    expect(message).toMatch(
      new RegExp(`\\n  not ready ×[2-4]: WebSocket ${peer.wsUrl}: no answer within 200ms \\(upgrade not completed\\)\\n`),
    );
    // Each handshake is bounded by min(requestTimeoutMs, attemptTimeoutMs); the check by its deadline plus the host's round trip.
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(3000 + 500 + 1500);
  } finally {
    await peer.close();
  }
});

test("the check's own deadline ends an attempt, not its attempt timeout", async () => {
  gw.set({ qrOnAttempt: null });
  const inputs = qr({ attemptTimeoutMs: 5000, deadlineMs: 300 });
  const started = Date.now();
  const message = await driver.failure("qr-path", inputs);
  expect(Date.now() - started).toBeLessThan(1500);
  expect(message.split("\n").slice(0, 2)).toEqual([
    `QR path for session ${inputs.sessionId}: no QR within the check's 0.3s deadline (1 attempt; the gateway was not ready 0 times, tried every 1.0s); escalate to the Lead Engineer with these logs (runbook, QR drill step 5)`,
    `  attempt 1: no QR or open within 0.2s; last event: ${inputs.sessionId}: connecting`,
  ]);
  expect(gw.connectAttempts(inputs.sessionId)).toBe(1);
});
