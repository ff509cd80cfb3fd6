/**
 * Hostile peers echo secrets back: a gateway whose 401 body quotes the bearer token, a `/logs` that
 * prints REDIS_URL with its password. Through Pulumi's provider host, nothing the stack holds secret
 * reaches a check's failure, the host's output (pulumi.log), the drill's escalation webhook, its outcome
 * or its ops-log entry.
 */
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import { captureChecks, CheckDriver, startCheckDriver } from "./helpers/checks";
import { DrillWorld, drillConfig, relogin, startDrillWorld, startProviderHost, upDrill } from "./helpers/drillStack";
import { TEST_SECRETS } from "./helpers/program";
import type { ProviderHost } from "../harness/providerHost";

const REDIS_PASSWORD = "SECRET-redis-pass-d7e1";

describe("a check whose peer echoes the token", () => {
  let driver: CheckDriver;
  let echo: http.Server;
  let url: string;

  beforeAll(async () => {
    // Answers 401, quoting the Authorization header it got and a REDIS_URL from its environment.
    echo = http.createServer((req, res) =>
      res
        .writeHead(401, { "content-type": "application/json" })
        .end(JSON.stringify({ error: `rejected ${req.headers.authorization}`, env: "REDIS_URL=redis://:other-pw-4412@redis:6379/0" })),
    );
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/metrics`;
    driver = await startCheckDriver(await captureChecks());
  });
  afterAll(async () => {
    await driver?.host.stop();
    await new Promise<void>((resolve) => echo.close(() => resolve()));
  });

  test("send-rate's failure and the host's log show [redacted] where the token and the password were", async () => {
    const message = await driver.failure("send-rate", { metricsUrl: url, windowMs: 200, deadlineMs: 300, requestTimeoutMs: 500 });
    expect(message).toContain(
      "scrape-failed: GET " + url + ': HTTP 401: {"error":"rejected Bearer [redacted]","env":"REDIS_URL=redis://:[redacted]@redis:6379/0"}',
    );
    for (const text of [message, driver.host.output()]) {
      expect(text).not.toContain(TEST_SECRETS.gatewayToken);
      expect(text).not.toContain("other-pw-4412");
    }
  });
});

describe("a drill whose gateway logs print REDIS_URL and the token", () => {
  let world: DrillWorld;
  let host: ProviderHost;

  beforeAll(async () => {
    [world, host] = await Promise.all([startDrillWorld(), startProviderHost({ stack: "drill" })]);
  });
  afterAll(async () => {
    await host?.stop();
    await world?.stop();
  });

  test("the escalation, the outcome's failure, the ops log and the host output carry none of them", async () => {
    world.gateway.log(`boot: REDIS_URL=${world.redis.url} BAILEYS_API_TOKEN=${TEST_SECRETS.gatewayToken}`);
    world.gateway.setFor("muted", { qrOnAttempt: null });
    const drill = await upDrill(host, drillConfig(world, "echo-1", { sessions: ["muted"], qrAttempts: 1 }), world.secrets);
    const escalation = world.hook.items.map((i) => String(i.json.text)).find((t) => t.includes("muted"))!;
    expect(escalation).toContain("boot: REDIS_URL=redis://:[redacted]@127.0.0.1:");
    expect(escalation).toContain("BAILEYS_API_TOKEN=[redacted]");
    expect(drill.step(relogin("muted")).outs!.escalation).toContain("webhook sent");
    const failure = drill.step("spec1-drill-outcome").error!;
    expect(failure).toContain("What to do next:\n  - Runbook §1 escalation:");
    const report = failure.match(/report: (\S+)/)![1];
    const outputs = [
      ...world.hook.items.map((i) => i.body),
      failure,
      host.output(),
      JSON.stringify(drill.steps.map((s) => s.outs)),
      fs.readFileSync(report, "utf8"),
      fs.readFileSync(report.replace(/\.md$/, ".json"), "utf8"),
    ];
    for (const text of outputs) {
      expect(text).not.toContain(REDIS_PASSWORD);
      expect(text).not.toContain(TEST_SECRETS.gatewayToken);
    }
  });
});
