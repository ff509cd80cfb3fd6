/** `spec1:checks` parsing: defaults written once, stack files, and errors that name the key and the fix. */
import { CHECKS_DEFAULTS, parseChecksConfig } from "../config/checks";
import { readStackConfig } from "../config/stackFile";

describe("spec1:checks", () => {
  test("absent: every default, metrics URL derived from the gateway URL", () => {
    const c = parseChecksConfig(undefined);
    expect(c.health).toEqual({
      url: "https://whatsappbot.laptoppro.my/api/health",
      intervalMs: 1000,
      deadlineMs: 120000,
      requestTimeoutMs: 5000,
    });
    expect(c.gateway).toEqual({ httpUrl: "http://localhost:4001", wsUrl: "ws://localhost:4002" });
    expect(c.sendRate).toMatchObject({
      metricsUrl: "http://localhost:4001/metrics",
      metric: "baileys_messages_sent_total",
      noTraffic: "fail",
      minPerMinute: 1,
      maxFailureRatio: 0.05,
    });
    expect(c.queues.names).toEqual(CHECKS_DEFAULTS.queues.names);
    expect(c.qr).toEqual(CHECKS_DEFAULTS.qr);
    expect(c.runId).toBe("1");
  });

  test("a section sets only what it names; runId may be a number", () => {
    const c = parseChecksConfig({
      runId: 7,
      gateway: { httpUrl: "http://gw:9001/" },
      queues: { names: ["a"] },
      sendRate: { maxFailureRatio: 0 },
    });
    expect([c.runId, c.sendRate.metricsUrl, c.queues.names, c.queues.prefix, c.sendRate.maxFailureRatio]).toEqual([
      "7",
      "http://gw:9001/metrics",
      ["a"],
      "bull",
      0,
    ]);
  });

  test("stack files: prod runs on the defaults, staging on its own hosts with the warn policy", () => {
    const prod = parseChecksConfig(readStackConfig("prod").checks);
    expect(prod.health.url).toBe(CHECKS_DEFAULTS.health.url);
    const staging = parseChecksConfig(readStackConfig("staging").checks);
    expect([staging.health.url, staging.sendRate.metricsUrl, staging.gateway.wsUrl, staging.sendRate.noTraffic]).toEqual([
      "http://staging-host:4000/api/health",
      "http://staging-host:4001/metrics",
      "ws://staging-host:4002",
      "warn",
    ]);
  });

  test("a base URL loses its trailing slash, so no path starts with //; a full URL is kept as written", () => {
    const c = parseChecksConfig({ gateway: { httpUrl: "http://gw:4001/", wsUrl: "ws://gw:4002/" }, web: { url: "http://web:3000/" } });
    expect(c.gateway.httpUrl).toBe("http://gw:4001");
    expect(c.sendRate.metricsUrl).toBe("http://gw:4001/metrics");
    expect(c.gateway.wsUrl).toBe("ws://gw:4002/");
    expect(c.web.url).toBe("http://web:3000/");
  });

  test.each([
    [{ helth: {} }, "checks.helth: is not a known key; use one of runId, health, web, gateway, sendRate, queues, qr"],
    ["yes", 'checks: is not an object; set e.g. {"runId": …} or leave it out for the defaults'],
    [{ runId: "" }, 'checks.runId: "" is not a string or number; set e.g. 2 (pulumi config set --path checks.runId 2)'],
    [
      { health: { url: "whatsappbot/api/health" } },
      'checks.health.url: "whatsappbot/api/health" is not a URL; set e.g. https://whatsappbot.laptoppro.my/api/health',
    ],
    [
      { gateway: { wsUrl: "http://localhost:4002" } },
      'checks.gateway.wsUrl: "http://localhost:4002" is not a ws(s) URL; set e.g. ws://localhost:4002',
    ],
    [{ health: { deadlineMs: 0 } }, "checks.health.deadlineMs: 0 is not an integer ≥ 1; set e.g. 120000"],
    [{ sendRate: { maxFailureRatio: 5 } }, "checks.sendRate.maxFailureRatio: 5 is above 1; set a ratio 0–1, e.g. 0.05"],
    [{ sendRate: { noTraffic: "ignore" } }, 'checks.sendRate.noTraffic: "ignore" is not one of fail, warn; set one of them (default fail)'],
    [
      { queues: { names: [] } },
      'checks.queues.names: [] is not a non-empty list of queue names; set e.g. ["outbound-messages","maintenance"]',
    ],
    [{ qr: { attempts: 0 } }, "checks.qr.attempts: 0 is not an integer ≥ 1; set e.g. 3"],
    [
      { qr: { deadlineMs: 2 ** 31 } },
      "checks.qr.deadlineMs: 2147483648 ms is above the cap of 2147483647 ms; set at most 2147483647 (default 120000)",
    ],
  ])("%j: %s", (value, message) => {
    expect(() => parseChecksConfig(value)).toThrow(message);
  });
});
