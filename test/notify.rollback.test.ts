import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProviderHost, startProviderHost } from "../harness/providerHost";
import { Props } from "../harness/program";
import { freePort } from "../lib/net";
import { changeSummary, imageChanges, tagOf } from "../notify/rollback";
import { Received, startWebhookReceiver, WebhookCall } from "../sim/services/receivers";
import { plainText, runStack, TEST_SECRETS } from "./helpers/program";

const NOTICE = "spec1-rollback-notice";
const TAGS = { web: "20240418", api: "20240501", worker: "20240418", baileys: "20240418" };
const CHECKS = { apiHealth: { status: 200, body: '{"status":"ok"}' }, sendRate: { perMinute: 42, failureRatio: 0 } };
const SECRETS = { ...TEST_SECRETS, notifyWebhookUrl: "", trackerToken: "SECRET-tracker-token-8a1f" };

let host: ProviderHost;
let hook: Received<WebhookCall>;
let tracker: Received<WebhookCall>;
let reportsDir: string;
/** The notice's inputs as the program registers them (TAGS), and the same after rolling the api back. */
let before: Props;
let rolledBack: Props;

beforeAll(async () => {
  [host, hook, tracker] = await Promise.all([
    startProviderHost({ stack: "prod" }),
    startWebhookReceiver(),
    startWebhookReceiver({
      status: 201,
      respond: (c) =>
        c.path.endsWith("/issues")
          ? { number: 42, html_url: "https://github.com/acme/incidents/issues/42" }
          : { html_url: "https://github.com/acme/incidents/issues/7#comment-1" },
    }),
  ]);
  reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-rollback-"));
  SECRETS.notifyWebhookUrl = `${hook.url}/hooks/SECRET-webhook-path-51be`;
  before = await noticeInputs(TAGS);
  rolledBack = variant(before, {}, { api: "20240418" });
});
afterAll(async () => {
  await Promise.allSettled([host?.stop(), hook?.close(), tracker?.close()]);
  fs.rmSync(reportsDir, { recursive: true, force: true });
});
beforeEach(() => {
  hook.items.length = 0;
  tracker.items.length = 0;
});

/** The notice's inputs as the program registers them for these tags, with the checks' real results. */
async function noticeInputs(tags: Record<string, string>): Promise<Props> {
  // One program run: the other variants are the same inputs as data (below).
  const config = {
    imageTags: tags,
    notify: { timeoutMs: 2000 },
    rollback: { reportsDir, tracker: { url: `${tracker.url}/repos/acme/incidents/issues` } },
  };
  const run = await runStack("prod", { config, secrets: SECRETS });
  // Under mocks the checks have not run; the engine would pass what they measured.
  return { ...run.byName(NOTICE).inputs, checks: CHECKS };
}

/** The same inputs with other tracker settings or another service's tag: inputs are data. */
function variant(inputs: Props, tracker: Props, retag: Record<string, string> = {}): Props {
  const images = { ...inputs.images };
  for (const [service, tag] of Object.entries(retag)) {
    images[service] = {
      reference: images[service].reference.replace(/:[^:/]+$/, `:${tag}`),
      digest: `registry/app-${service}@sha256:${tag.padStart(64, "0")}`,
    };
  }
  return { ...inputs, images, rollback: { ...inputs.rollback, tracker: { ...inputs.rollback.tracker, ...tracker } } };
}

test("first deploy records the images; a rollback notifies from→to with the checks, opens an incident, writes the post-mortem", async () => {
  const { id, outs } = await host.create(NOTICE, before);
  expect(hook.items).toEqual([]);
  expect(tracker.items).toEqual([]);
  expect(await host.diff(NOTICE, id, outs, before)).toMatchObject({ changes: "none" });

  expect(await host.diff(NOTICE, id, outs, rolledBack)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
  const after = await host.update(NOTICE, id, outs, rolledBack);

  const text = String(hook.items[0].json.text);
  expect(text).toContain("*Rollback on prod: api 20240501 → 20240418*");
  expect(text).toContain("api: 20240501 → 20240418 (registry/app-api@sha256:");
  expect(text).toContain('apiHealth: {"body":"{\\"status\\":\\"ok\\"}","status":200}');
  expect(text).toContain("Incident: https://github.com/acme/incidents/issues/42");

  expect(tracker.items).toHaveLength(1);
  expect(tracker.items[0].path).toBe("/repos/acme/incidents/issues");
  expect(tracker.items[0].headers.authorization).toBe("Bearer SECRET-tracker-token-8a1f");
  expect(tracker.items[0].json).toMatchObject({ title: "Rollback on prod: api 20240501 → 20240418", labels: ["incident", "rollback"] });
  expect(tracker.items[0].json.body).toContain("| api | 20240501 | 20240418 |");

  const lastChange = after.lastChange as Props;
  expect(lastChange.incident).toBe("https://github.com/acme/incidents/issues/42");
  const postMortem = fs.readFileSync(String(lastChange.postMortem), "utf8");
  expect(postMortem).toContain("# Post-mortem: rollback of prod");
  expect(postMortem).toMatch(/## Timeline[\s\S]*rollback applied by `pulumi up`/);
  expect(postMortem).toContain("| api | 20240501 | 20240418 |");
  expect(postMortem).toContain('"perMinute": 42');
  expect(postMortem).toContain("- Incident: https://github.com/acme/incidents/issues/42");

  // The next up with the same images announces nothing again.
  expect(await host.diff(NOTICE, id, after, rolledBack)).toMatchObject({ changes: "none" });

  const leaks = [
    text,
    JSON.stringify(tracker.items.map((i) => i.json)),
    postMortem,
    JSON.stringify(after),
    host.output(),
    plainText(rolledBack),
    String(rolledBack.__provider),
  ];
  for (const leak of leaks) {
    for (const secret of ["SECRET-tracker-token-8a1f", "SECRET-webhook-path-51be", TEST_SECRETS.redisUrl, TEST_SECRETS.gatewayToken])
      expect(leak).not.toContain(secret);
  }
});

test("with an incident already open, it is labelled and commented instead of opening another", async () => {
  const { id, outs } = await host.create(NOTICE, variant(before, { incident: "7" }));
  const after = await host.update(NOTICE, id, outs, variant(before, { incident: "7" }, { web: "20240301", worker: "20240301" }));
  expect(tracker.items.map((i) => [i.path, i.json])).toEqual([
    ["/repos/acme/incidents/issues/7/labels", { labels: ["incident", "rollback"] }],
    ["/repos/acme/incidents/issues/7/comments", { body: expect.stringContaining("| web | 20240418 | 20240301 |") }],
  ]);
  expect((after.lastChange as Props).incident).toBe("https://github.com/acme/incidents/issues/7#comment-1");
  expect(String(hook.items[0].json.text)).toContain("*Rollback on prod: web 20240418 → 20240301, worker 20240418 → 20240301*");
});

test("a tracker that is down does not fail the rollback: the notice says the incident was not filed", async () => {
  const down = { url: `http://127.0.0.1:${await freePort()}/issues` };
  const { id, outs } = await host.create(NOTICE, variant(before, down));
  const after = await host.update(NOTICE, id, outs, variant(rolledBack, down));
  expect((after.lastChange as Props).incident).toBe("");
  expect(String(hook.items[0].json.text)).toContain("Incident: not filed (the tracker: ECONNREFUSED");
});

test("a tracker echoing the token and a password-bearing URL: neither reaches the log, the post-mortem JSON or the notice", async () => {
  const echo = await startWebhookReceiver({
    status: 401,
    respond: (c) => ({ message: `Bad credentials: ${c.headers.authorization}`, debug: "REDIS_URL=redis://:echoed-pw-91@redis:6379/0" }),
  });
  try {
    const echoing = { url: `${echo.url}/issues` };
    // A check result that quotes a peer which printed a database URL (the checks redact their own secrets at source).
    const quoting = { ...variant(rolledBack, echoing), checks: { apiHealth: { body: "db postgres://app:quoted-pw-33@db/spec1" } } };
    const { id, outs } = await host.create(NOTICE, variant(before, echoing));
    const after = await host.update(NOTICE, id, outs, quoting);
    const json = fs.readFileSync(String((after.lastChange as Props).postMortem).replace(/\.md$/, ".json"), "utf8");
    const notice = String(hook.items[0].json.text);
    expect(notice).toContain('Incident: not filed (the tracker: HTTP 401: {"message":"Bad credentials: Bearer [redacted]"');
    expect(json).toContain("redis://:[redacted]@redis:6379/0");
    for (const leak of [notice, json, host.output(), JSON.stringify(after)]) {
      for (const secret of ["SECRET-tracker-token-8a1f", "echoed-pw-91", "quoted-pw-33"]) expect(leak).not.toContain(secret);
    }
  } finally {
    await echo.close();
  }
});

test("tags and changes are read from references, digests included", () => {
  expect(tagOf("registry:5000/app-api:20240418@sha256:" + "a".repeat(64))).toBe("20240418");
  expect(tagOf("registry:5000/app-api")).toBe("registry:5000/app-api");
  const olds = { api: { reference: "r/app-api:1", digest: "r/app-api@sha256:aa" } };
  const repushed = { api: { reference: "r/app-api:1", digest: "r/app-api@sha256:bb" } };
  expect(changeSummary(imageChanges(olds, repushed))).toBe("api 1 → 1 (re-pushed tag, new digest)");
  expect(imageChanges(olds, olds)).toEqual([]);
});
