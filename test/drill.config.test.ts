import { DRILL_DEFAULTS, parseDrillConfig } from "../config/drill";
import { malaysiaDate } from "../lib/time";
import { programError, TEST_SECRETS } from "./helpers/program";

const NOW = new Date("2026-11-29T17:30:00Z"); // Monday 01:30 in Malaysia
const MINIMAL = { queues: ["outbound"], testMessage: { chatId: "60123@g.us", confirmUrl: "https://api.example/messages" } };

test("defaults: the runbook's ports, 3 attempts, minutes for a scan, and a run id of the Malaysian date", () => {
  const c = parseDrillConfig(MINIMAL, NOW);
  expect(c).toMatchObject({
    gatewayUrl: "http://localhost:4001",
    gatewayWsUrl: "ws://localhost:4002",
    sessions: undefined,
    queuePrefix: "bull",
    qrAttempts: 3,
    openTimeoutMs: 300000,
    runId: "2026-11-30",
    testMessage: { text: DRILL_DEFAULTS.testText, confirmTimeoutMs: 60000 },
    page: { host: "127.0.0.1", port: 0 },
  });
  expect(malaysiaDate(new Date("2026-11-29T15:59:59Z"))).toBe("2026-11-29");
});

test.each([
  [undefined, 'drill: is not set; set at least {"queues": [...], "testMessage": {...}} (see docs/drill.md)'],
  [{ ...MINIMAL, queues: [] }, 'drill.queues: is not a non-empty list; set a list, e.g. ["outbound"]'],
  [{ ...MINIMAL, sessions: ["a", "a"] }, "drill.sessions: lists a name twice; list each once"],
  [
    { ...MINIMAL, sessions: ["bad id"] },
    'drill.sessions: "bad id" is not a name (letters, digits, _ . : @ + -); set a list, e.g. ["sales-1"]',
  ],
  [
    { ...MINIMAL, gatewayWsUrl: "http://localhost:4002" },
    'drill.gatewayWsUrl: "http://localhost:4002" is not a ws(s) URL; set e.g. ws://localhost:4002',
  ],
  [{ ...MINIMAL, qrAttempts: 0 }, "drill.qrAttempts: 0 is not an integer ≥ 1; set e.g. 3"],
  [
    { ...MINIMAL, testMessage: undefined },
    'drill.testMessage: is not set; set e.g. {"chatId": "60123456789@s.whatsapp.net", "confirmUrl": "https://whatsappbot.laptoppro.my/api/messages/recent"}',
  ],
  [{ ...MINIMAL, testMessage: { chatId: "x" } }, "drill.testMessage.confirmUrl: is not set; set an http(s) URL"],
  [
    { ...MINIMAL, page: { host: "0.0.0.0" } },
    'drill.page.host: "0.0.0.0" is not a loopback address; set "127.0.0.1" (or "::1"); reach it with ssh -L',
  ],
  [{ ...MINIMAL, page: { port: 70000 } }, "drill.page.port: 70000 is above 65535; set a port 1-65535, or 0 for a free one"],
  [{ ...MINIMAL, page: { port: -1 } }, "drill.page.port: -1 is not an integer ≥ 0; set e.g. 0"],
  [{ ...MINIMAL, page: { path: "/x" } }, "drill.page.path: is not a known key; use one of host, port"],
  [{ ...MINIMAL, pauseQueues: ["x"] }, "drill.pauseQueues: is not a known key; use one of gatewayUrl,"],
])("%j is rejected naming the key and the fix", (raw, message) => {
  expect(() => parseDrillConfig(raw, NOW)).toThrow(message);
});

describe("the drill stack refuses to start without what it needs", () => {
  const drill = { ...MINIMAL, sessions: ["sales-1"] };
  test("no notification transport: nobody would hear of an escalation", async () => {
    expect(await programError("drill", { config: { drill, notify: {} }, secrets: { redisUrl: TEST_SECRETS.redisUrl } })).toContain(
      "notify: no transport is configured for the drill's escalations; set notify.smtp.host or the notifyWebhookUrl secret",
    );
  });
  test("no Redis URL secret", async () => {
    expect(await programError("drill", { config: { drill }, secrets: {} })).toContain("spec1:redisUrl");
  });
});
