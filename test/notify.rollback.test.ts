/**
 * The image-change notice as `pulumi up` runs it: the notice and the post-deploy check it waits for, both
 * created in Pulumi's own dynamic provider host at the same time (the notice does not depend on the
 * check), the check against the stand-in api, the notice to a real webhook receiver, a real SMTP server
 * and a tracker. It must say what happened: a rollback or a release, passed, failed (with the check's
 * message and next steps) or without a verdict.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProviderCallError, ProviderHost, startProviderHost } from "../harness/providerHost";
import { Props } from "../harness/program";
import { freePort } from "../lib/net";
import { changeSummary, compareTags, imageChanges, recordTags, tagOf } from "../notify/imageChanges";
import { withoutNextSteps } from "../notify/nextSteps";
import { LastChange, pendingChange } from "../notify/rollback";
import { mailText, MailReceived, Received, startSmtpReceiver, startWebhookReceiver, WebhookCall } from "../sim/services/receivers";
import { StandinApi, startApi } from "../sim/standins/api";
import { plainText, runStack, TEST_SECRETS } from "./helpers/program";

const NOTICE = "spec1-rollback-notice";
const CHECK = "spec1-checks-api-health";
const RELEASE = { web: "20240418", api: "20240501", worker: "20240418", baileys: "20240418" };
const STABLE = { ...RELEASE, api: "20240418" };
const SMTP_USER = "ops-mailer";
const SECRETS = {
  ...TEST_SECRETS,
  notifyWebhookUrl: "",
  smtpUsername: SMTP_USER,
  smtpPassword: "SECRET-smtp-pass-77c0",
  trackerToken: "SECRET-tracker-token-8a1f",
};
const SECRET_VALUES = [
  SECRETS.smtpPassword,
  SECRETS.trackerToken,
  "SECRET-webhook-path-51be",
  TEST_SECRETS.redisUrl,
  TEST_SECRETS.gatewayToken,
];

let host: ProviderHost;
let hook: Received<WebhookCall>;
let smtp: Received<MailReceived> & { port: number };
let tracker: Received<WebhookCall>;
let api: StandinApi;
let reportsDir: string;
/** Per tag set, the notice's and the api health check's inputs as the program registers them. */
let release: { notice: Props; check: Props };
let stable: { notice: Props; check: Props };

beforeAll(async () => {
  [host, hook, tracker, smtp, api] = await Promise.all([
    startProviderHost({ stack: "prod" }),
    startWebhookReceiver(),
    startWebhookReceiver({
      status: 201,
      respond: (c) =>
        c.path.endsWith("/issues")
          ? { number: 42, html_url: "https://github.com/acme/incidents/issues/42" }
          : { html_url: "https://github.com/acme/incidents/issues/42#comment-1" },
    }),
    startSmtpReceiver({ user: SMTP_USER, pass: SECRETS.smtpPassword }),
    startApi(),
  ]);
  reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-rollback-"));
  SECRETS.notifyWebhookUrl = `${hook.url}/hooks/SECRET-webhook-path-51be`;
  // One after the other: each program run isolates its own module registry.
  release = await inputsFor(RELEASE);
  stable = await inputsFor(STABLE);
});
afterAll(async () => {
  await Promise.allSettled([host?.stop(), hook?.close(), tracker?.close(), smtp?.close(), api?.stop()]);
  fs.rmSync(reportsDir, { recursive: true, force: true });
});
beforeEach(() => {
  for (const r of [hook, tracker, smtp]) r.items.length = 0;
  api.set({ health: "ok" });
});

async function inputsFor(imageTags: Record<string, string>): Promise<{ notice: Props; check: Props }> {
  const config = {
    imageTags,
    checks: { health: { url: api.healthUrl, intervalMs: 100, deadlineMs: 1500, requestTimeoutMs: 1000 } },
    notify: { timeoutMs: 3000, smtp: { host: "127.0.0.1", port: smtp.port } },
    rollback: { reportsDir, checksWaitMs: 8000, tracker: { url: `${tracker.url}/repos/acme/incidents/issues` } },
  };
  const run = await runStack("prod", { config, secrets: SECRETS });
  return { notice: run.byName(NOTICE).inputs, check: run.byName(CHECK).inputs };
}

/** The stack as last deployed with `from`'s images: the notice's stored outputs. */
async function deployed(from: { notice: Props }): Promise<{ id: string; outs: Props }> {
  return host.create(NOTICE, from.notice);
}

let ups = 0;
/** The inputs of one more `pulumi up`: its own checks.runId, as each update has its own provider host. */
function nextUp(to: { notice: Props; check: Props }): { notice: Props; check: Props } {
  const runId = `up-${++ups}`;
  return { notice: { ...to.notice, watch: { ...to.notice.watch, runId } }, check: { ...to.check, runId } };
}

/** One `pulumi up` of the change: the notice's update and the api health check's create, at the same time. */
async function up(olds: { id: string; outs: Props }, target: { notice: Props; check: Props }) {
  const to = nextUp(target);
  const [notice, check] = await Promise.allSettled([host.update(NOTICE, olds.id, olds.outs, to.notice), host.create(CHECK, to.check)]);
  if (notice.status === "rejected") throw notice.reason;
  return { outs: notice.value, check };
}

const chat = () => String(hook.items[0]?.json?.text);

/** A mail's Subject header, unfolded and its RFC 2047 Q-encoded words decoded. */
function subjectOf(raw: string): string {
  const header = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)![1].replace(/\r?\n[ \t]/g, " ");
  return header.replace(/\?=\s+=\?/g, "?==?").replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_m, q: string) =>
    Buffer.from(
      q.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_x, h) => String.fromCharCode(parseInt(h, 16))),
      "latin1",
    ).toString("utf8"),
  );
}

test("a rollback whose check passes: titled so, with the check's measurements, an incident, a mail and a post-mortem", async () => {
  const olds = await deployed(release);
  expect(await host.diff(NOTICE, olds.id, olds.outs, release.notice)).toMatchObject({ changes: "none" });
  expect(await host.diff(NOTICE, olds.id, olds.outs, stable.notice)).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
  const { outs, check } = await up(olds, stable);
  expect(check.status).toBe("fulfilled");

  expect(chat()).toContain("*Rollback on prod: api 20240501 → 20240418*");
  expect(chat()).toContain("api: 20240501 → 20240418 (registry/app-api@sha256:");
  expect(chat()).toContain("— rollback: older than 20240501\n");
  expect(chat()).toMatch(/Post-deploy checks passed:\n {2}api-health: passed \{.*"httpStatus":200/);
  expect(chat()).toContain("Incident: https://github.com/acme/incidents/issues/42");
  expect(chat()).not.toContain("Next steps");

  expect(smtp.items).toHaveLength(1);
  expect(smtp.items[0].to).toEqual(["lead.engineer@laptoppro.my", "oncall@laptoppro.my", "security@laptoppro.my"]);
  expect(subjectOf(smtp.items[0].raw)).toBe("[SPEC-1] Rollback on prod: api 20240501 → 20240418");
  expect(mailText(smtp.items[0].raw)).toContain("api-health: passed");

  expect(tracker.items.map((i) => [i.path, i.json.title])).toEqual([
    ["/repos/acme/incidents/issues", "Rollback on prod: api 20240501 → 20240418"],
  ]);
  expect(tracker.items[0].headers.authorization).toBe(`Bearer ${SECRETS.trackerToken}`);
  const lastChange = outs.lastChange as Props;
  expect(lastChange).toMatchObject({
    kind: "rollback",
    outcome: "passed",
    incident: "https://github.com/acme/incidents/issues/42",
    checks: { "api-health": { passed: true } },
  });
  expect(fs.readFileSync(String(lastChange.postMortem), "utf8")).toContain("rollback applied by `pulumi up`; post-deploy checks passed |");
  // Announced once: the next up with the same images has nothing to say.
  expect(await host.diff(NOTICE, olds.id, outs, stable.notice)).toMatchObject({ changes: "none" });
  assertNoSecrets([
    chat(),
    smtp.items[0].raw,
    JSON.stringify(tracker.items.map((i) => i.json)),
    JSON.stringify(outs),
    host.output(),
    plainText(stable.notice),
  ]);
});

test("a release whose check passes: titled Release, no incident, no post-mortem", async () => {
  const olds = await deployed(stable);
  const { outs } = await up(olds, release);
  expect(chat()).toContain("*Release on prod: api 20240418 → 20240501*");
  expect(chat()).toContain("— release: newer than 20240418");
  expect(chat()).not.toContain("Incident");
  expect(tracker.items).toEqual([]);
  expect(outs.lastChange).toMatchObject({ kind: "release", outcome: "passed", postMortem: "", incident: "" });
  expect(subjectOf(smtp.items[0].raw)).toBe("[SPEC-1] Release on prod: api 20240418 → 20240501");
});

test("a rollback whose check fails: a failure notice with the check's own message and next steps, an incident; a passing retry reports on it", async () => {
  api.set({ health: "degraded" });
  const olds = await deployed(release);
  const { outs, check } = await up(olds, stable);
  expect(check.status).toBe("rejected");
  // The check's own error ends with the procedure's generic next steps; the notice gives its own instead.
  const checkError = withoutNextSteps(((check as PromiseRejectedResult).reason as ProviderCallError).message);
  expect(checkError).toContain('"status":"degraded"');

  expect(chat()).toContain("*Rollback on prod FAILED its post-deploy checks: api 20240501 → 20240418*");
  expect(chat()).toContain(`  api-health: FAILED: ${checkError.replace(/\s+/g, " ").slice(0, 120)}`);
  expect(chat()).toContain("```\napi-health: " + checkError.slice(0, 200));
  expect(chat()).toContain(
    "Next steps:\n  1. Roll back further, to a tag deployed before (api: none recorded (see pulumi stack history)): pulumi config set --path imageTags.<service> <tag> -s prod; then pulumi preview --diff -s prod and pulumi up -s prod (or run the Rollback workflow with those tags).",
  );
  expect(chat()).toContain(
    "  2. Or fix the cause and run pulumi up -s prod again: it re-runs the checks that did not pass, and the outcome is announced on the same incident.",
  );
  expect(chat()).not.toContain("What to do next:");
  expect(tracker.items.map((i) => i.json.title)).toEqual(["Rollback on prod FAILED its post-deploy checks: api 20240501 → 20240418"]);
  expect(mailText(smtp.items[0].raw)).toContain("api-health: FAILED");
  const failed = outs.lastChange as Props;
  expect(failed).toMatchObject({ kind: "rollback", outcome: "failed", incidentId: "42", checks: { "api-health": { passed: false } } });
  expect(fs.readFileSync(String(failed.postMortem), "utf8")).toContain("post-deploy checks failed |");

  // The next up (cause fixed, same tags): the failed check runs again, and the notice with it.
  for (const r of [hook, tracker, smtp]) r.items.length = 0;
  api.set({ health: "ok" });
  expect(await host.diff(NOTICE, olds.id, outs, stable.notice)).toMatchObject({ changes: "some" });
  const retry = await up({ id: olds.id, outs }, stable);
  expect(chat()).toContain("*Rollback on prod: post-deploy checks pass on retry: api 20240501 → 20240418*");
  expect(tracker.items.map((i) => i.path)).toEqual(["/repos/acme/incidents/issues/42/labels", "/repos/acme/incidents/issues/42/comments"]);
  expect(retry.outs.lastChange).toMatchObject({ outcome: "passed", incident: "https://github.com/acme/incidents/issues/42#comment-1" });
  expect(await host.diff(NOTICE, olds.id, retry.outs, stable.notice)).toMatchObject({ changes: "none" });
  assertNoSecrets([chat(), JSON.stringify(outs), JSON.stringify(retry.outs), host.output()]);
});

test("a release whose check fails: the next step is the rollback to what ran before, as commands; no incident", async () => {
  api.set({ health: "degraded" });
  const olds = await deployed(stable);
  const { outs } = await up(olds, release);
  expect(chat()).toContain("*Release on prod FAILED its post-deploy checks: api 20240418 → 20240501*");
  expect(chat()).toContain(
    "  1. Roll back to what ran before: pulumi config set --path imageTags.api 20240418 -s prod; then pulumi preview --diff -s prod and pulumi up -s prod (or run the Rollback workflow with those tags).",
  );
  expect(tracker.items).toEqual([]);
  expect(outs.lastChange).toMatchObject({ kind: "release", outcome: "failed" });
});

test("no verdict within the wait (the check never ran): said so, with what to look at", async () => {
  const olds = await deployed(release);
  const { notice } = nextUp(stable);
  const quick = { ...notice, watch: { ...notice.watch, waitMs: 1500 } };
  const started = Date.now();
  const outs = await host.update(NOTICE, olds.id, olds.outs, quick);
  expect(Date.now() - started).toBeLessThan(5000);
  expect(chat()).toContain("*Rollback on prod: no post-deploy check verdict within 2s: api 20240501 → 20240418*");
  expect(chat()).toContain("  api-health: no verdict within 2s (it did not run, or did not finish)");
  expect(chat()).toContain("  1. No verdict from api-health within 2s: the up may have stopped before the checks ran");
  expect(outs.lastChange).toMatchObject({ outcome: "unknown" });
});

test("with an incident already open, it is labelled and commented instead of opening another", async () => {
  const withIncident = (n: Props) => ({ ...n, rollback: { ...n.rollback, tracker: { ...n.rollback.tracker, incident: "7" } } });
  const olds = await host.create(NOTICE, withIncident(release.notice));
  await up(olds, { ...stable, notice: withIncident(stable.notice) });
  expect(tracker.items.map((i) => [i.path, i.json.labels ?? String(i.json.body).split("\n")[0]])).toEqual([
    ["/repos/acme/incidents/issues/7/labels", ["incident", "rollback"]],
    ["/repos/acme/incidents/issues/7/comments", "**Rollback on prod: api 20240501 → 20240418**"],
  ]);
});

test("a tracker that is down does not fail the rollback: the notice says the incident was not filed", async () => {
  const port = await freePort();
  const down = (n: Props) => ({ ...n, rollback: { ...n.rollback, tracker: { url: `http://127.0.0.1:${port}/issues` } } });
  const olds = await host.create(NOTICE, down(release.notice));
  const { outs } = await up(olds, { ...stable, notice: down(stable.notice) });
  expect((outs.lastChange as Props).incident).toBe("");
  expect(chat()).toContain("Incident: not filed (the tracker: ECONNREFUSED");
});

test("a tracker echoing its token and a check quoting a password in a URL: neither reaches the log, the post-mortem or the notice", async () => {
  const echo = await startWebhookReceiver({
    status: 401,
    respond: (c) => ({ message: `Bad credentials: ${c.headers.authorization}`, debug: "REDIS_URL=redis://:echoed-pw-91@redis:6379/0" }),
  });
  // A health route that quotes the database URL it uses (a peer the stack does not control).
  const quoting = await startWebhookReceiver({ respond: () => ({ status: "ok", db: "postgres://app:quoted-pw-33@db/spec1" }) });
  try {
    const echoing = (n: Props) => ({ ...n, rollback: { ...n.rollback, tracker: { url: `${echo.url}/issues` } } });
    const olds = await host.create(NOTICE, echoing(release.notice));
    const { outs } = await up(olds, { notice: echoing(stable.notice), check: { ...stable.check, url: `${quoting.url}/api/health` } });
    const json = fs.readFileSync(String((outs.lastChange as Props).postMortem).replace(/\.md$/, ".json"), "utf8");
    expect(chat()).toContain('Incident: not filed (the tracker: HTTP 401: {"message":"Bad credentials: Bearer [redacted]"');
    expect(json).toContain("postgres://app:[redacted]@db/spec1");
    assertNoSecrets([chat(), json, host.output(), JSON.stringify(outs)], ["echoed-pw-91", "quoted-pw-33"]);
  } finally {
    await Promise.all([echo.close(), quoting.close()]);
  }
});

test("rollback or release: version order first, then the tags deployed before", () => {
  const ref = (tag: string) => ({ reference: `r/app-api:${tag}`, digest: `r/app-api@sha256:${tag}` });
  const kinds = (from: string, to: string, deployed: string[]) =>
    imageChanges({ api: ref(from) }, { api: ref(to) }, { api: deployed }).map((c) => `${c.kind}: ${c.why}`);
  expect(kinds("20240501", "20240418", [])).toEqual(["rollback: older than 20240501"]);
  expect(kinds("1.10.0", "1.9.3", [])).toEqual(["rollback: older than 1.10.0"]);
  expect(kinds("20240418", "20240501", ["20240501", "20240418"])).toEqual(["release: newer than 20240418, deployed before"]);
  expect(kinds("a1b2c3d", "9f8e7d6", ["9f8e7d6", "a1b2c3d"])).toEqual(["rollback: deployed before"]);
  expect(kinds("a1b2c3d", "0c0ffee", ["a1b2c3d"])).toEqual(["release: not deployed before"]);
  expect(kinds("1", "1", ["1"])).toEqual([]);
  expect(compareTags("v2.0", "2.0.0")).toBe(0);
  expect(compareTags("stable", "1.0")).toBeUndefined();
  expect(recordTags({ api: ["1", "2"] }, { api: ref("1") })).toEqual({ api: ["2", "1"] });
  expect(tagOf("registry:5000/app-api:20240418@sha256:" + "a".repeat(64))).toBe("20240418");
  const repushed = imageChanges({ api: ref("1") }, { api: { ...ref("1"), digest: "r/app-api@sha256:bb" } });
  expect(changeSummary(repushed)).toBe("api 1 → 1 (re-pushed tag, new digest)");
});

test("a last change stored by the release before outcomes existed is not pending: it was announced after its checks passed", () => {
  const legacy = {
    at: "2026-11-01T00:00:00Z",
    changes: [],
    incident: "",
    postMortem: "p",
    notified: "webhook sent",
  } as unknown as LastChange;
  expect(pendingChange({ images: {}, lastChange: legacy })).toBeUndefined();
  expect(pendingChange({ images: {}, lastChange: { ...legacy, outcome: "failed" } })).toMatchObject({ outcome: "failed" });
  expect(pendingChange({ images: {}, lastChange: { ...legacy, outcome: "unknown" } })).toMatchObject({ outcome: "unknown" });
  expect(pendingChange({ images: {}, lastChange: { ...legacy, outcome: "passed" } })).toBeUndefined();
});

function assertNoSecrets(texts: string[], more: readonly string[] = []): void {
  for (const [i, text] of texts.entries()) {
    for (const secret of [...SECRET_VALUES, ...more])
      expect({ i, secret, leaked: text.includes(secret) }).toEqual({ i, secret, leaked: false });
  }
}
