/** api-health and web-console through Pulumi's provider host, against the stand-in api; and the checks' diff. */
import { Props } from "../harness/program";
import { startApi, StandinApi } from "../sim/standins/api";
import { captureChecks, CheckDriver, CheckName, startCheckDriver } from "./helpers/checks";

let api: StandinApi;
let driver: CheckDriver;
let inputs: Record<CheckName, Props>;
const FAST = { intervalMs: 50, deadlineMs: 600, requestTimeoutMs: 200 };

beforeAll(async () => {
  inputs = await captureChecks();
  [api, driver] = await Promise.all([startApi(), startCheckDriver(inputs)]);
});
afterAll(async () => {
  await Promise.all([api?.stop(), driver?.host.stop()]);
});

describe("api health", () => {
  const health = () => ({ ...FAST, url: api.healthUrl });

  test("passes on 200 {status:'ok'} and reports what it measured", async () => {
    api.set({ health: "ok" });
    const { outs } = await driver.create("api-health", health());
    expect(outs.result).toMatchObject({ httpStatus: 200, bodyExcerpt: '{"status":"ok"}', attempts: 1 });
    expect(outs.images).toEqual(inputs["api-health"].images);
  });

  test("polls until the api turns healthy", async () => {
    api.set({ health: "503" });
    const healthy = driver.whenLogged("api-health: attempt 1: HTTP 503").then(() => api.set({ health: "ok" }));
    const { outs } = await driver.create("api-health", { ...health(), deadlineMs: 5000 });
    await healthy;
    expect((outs.result as Props).attempts).toBeGreaterThan(1);
  });

  test.each([
    ["degraded", 'HTTP 200 but status is "degraded", not "ok": {"status":"degraded","checks":{"redis":"down"}}'],
    ["invalid-json", "HTTP 200 but the body is not JSON: {status: ok"],
    ["503", 'HTTP 503: {"status":"unavailable"}'],
    // The last request is cut to what is left of the deadline.
    ["hang", "no answer within "],
  ] as const)("%s fails at its own deadline with what it last saw", async (mode, seen) => {
    api.set({ health: mode });
    const message = await driver.failure("api-health", health());
    expect(message).toMatch(new RegExp(`^api health at ${api.healthUrl}: not reached within 6\\d\\dms; last seen: `));
    expect(message).toContain(`last seen: ${seen}`);
    expect(message).toMatch(/\(\d+ attempts?\)$/);
  });
});

describe("web console", () => {
  const web = () => ({ ...FAST, url: api.webUrl });

  test("passes on 200 with an HTML page", async () => {
    api.set({ web: "ok" });
    const { outs } = await driver.create("web-console", web());
    expect(outs.result).toMatchObject({ httpStatus: 200, contentType: "text/html; charset=utf-8" });
  });

  test.each([
    ["not-html", 'last seen: HTTP 200 but not an HTML page (content-type application/json): {"message":"api, not the console"}'],
    ["500", "last seen: HTTP 500: Internal Server Error"],
  ] as const)("%s fails with what it saw", async (mode, seen) => {
    api.set({ web: mode });
    const message = await driver.failure("web-console", web());
    expect(message).toMatch(new RegExp(`^web console at ${api.webUrl}: not reached within 6\\d\\dms; `));
    expect(message).toContain(seen);
  });
});

describe("diff (no I/O): what re-runs a check", () => {
  let outs: Props;
  beforeAll(async () => {
    api.set({ health: "ok" });
    ({ outs } = await driver.create("api-health", { ...FAST, url: api.healthUrl }));
  });
  const news = (over: Props = {}) => ({ ...inputs["api-health"], ...FAST, url: api.healthUrl, ...over });

  test("the same inputs: no changes", async () => {
    expect(await driver.host.diff("spec1-checks-api-health", "id", outs, news())).toMatchObject({ changes: "none", replaces: [] });
  });

  test("a new api digest: replace", async () => {
    const images = { api: "registry/app-api@sha256:" + "c".repeat(64) };
    expect(await driver.host.diff("spec1-checks-api-health", "id", outs, news({ images }))).toEqual({
      changes: "some",
      replaces: ["images"],
      deleteBeforeReplace: false,
    });
  });

  test("a runId bump: replace", async () => {
    expect(await driver.host.diff("spec1-checks-api-health", "id", outs, news({ runId: "2" }))).toMatchObject({
      changes: "some",
      replaces: ["runId"],
    });
  });

  test("a changed setting: replace; a rotated secret: replace, without the secret in outputs", async () => {
    expect(await driver.host.diff("spec1-checks-api-health", "id", outs, news({ deadlineMs: 5000 }))).toMatchObject({
      replaces: ["deadlineMs"],
    });
    const qr = inputs["qr-path"];
    // Old outputs as create stores them: no secret, only a hash of it.
    const oldOuts: Props = { ...qr, secretsHash: "0".repeat(64) };
    delete oldOuts.gatewayToken;
    expect(await driver.host.diff("spec1-checks-qr-path", "id", oldOuts, qr)).toMatchObject({ changes: "some", replaces: ["secretsHash"] });
  });
});
