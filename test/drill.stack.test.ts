import { Queue, Worker } from "bullmq";
import * as fs from "fs";
import { ProviderHost } from "../local/providerHost";
import { pausedQueues } from "../drill/queues";
import { plainText, runStack, TEST_SECRETS } from "./helpers/program";
import { CHAT_ID, DrillWorld, drillConfig, QUEUES, relogin, SESSIONS, startDrillWorld, startProviderHost, upDrill, WEBHOOK_SECRET_PATH } from "./helpers/drillStack";

let world: DrillWorld;
let host: ProviderHost;
let run = 0;
const runId = () => `test-${++run}`;

beforeAll(async () => {
  [world, host] = await Promise.all([startDrillWorld(), startProviderHost({ stack: "drill" })]);
});
afterAll(async () => {
  await host?.stop();
  await world?.stop();
});
beforeEach(() => {
  world.gateway.set({ qrOnAttempt: 1, scanAfterMs: 40, qrExpiresAfterMs: null, dropWebSocketAfterMs: null });
  world.api.set({ console: "ok" });
  world.hook.items.length = 0;
});

const target = () => ({ redisUrl: world.redis.url, prefix: "bull", timeoutMs: 2000 });
const notices = () => world.hook.items.map((i) => String(i.json.text));
const attemptsOf = (outs: any) => outs.attempts.map((a: { result: string }) => a.result);

test("preview names the sessions from the gateway's list and touches nothing", async () => {
  const before = world.gateway.logLines.length;
  const config = drillConfig(world, runId());
  delete config.drill.sessions;
  const program = await runStack("drill", { config, secrets: world.secrets, preview: true });
  const names = program.resources.map((r) => r.name);
  expect(names.filter((n) => n.includes("-relogin-"))).toEqual(SESSIONS.map(relogin));
  expect(program.outputs.sessions).toEqual(SESSIONS);
  // The one call discovery makes: a read-only GET /sessions. No connect, no pause.
  expect(world.gateway.logLines.slice(before).map((l) => l.replace(/^\S+ /, ""))).toEqual(["http GET /sessions"]);
  expect(SESSIONS.map((s) => world.gateway.connectAttempts(s))).toEqual([0, 0]);
  expect(await pausedQueues(target(), QUEUES)).toEqual([]);
});

test("steps are registered in the runbook's order, each waiting for the one before", async () => {
  const program = await runStack("drill", { config: drillConfig(world, runId()), secrets: world.secrets, preview: true });
  const steps = program.resources.filter((r) => r.type === "pulumi-nodejs:dynamic:Resource").map((r) => r.name);
  expect(steps).toEqual(["spec1-drill-pause", ...SESSIONS.map(relogin), "spec1-drill-resume", "spec1-drill-test-message", "spec1-drill-outcome"]);
});

test("a clean drill: queues paused, each QR shown and scanned, queues resumed, jobs sent during the drill processed once, test message seen", async () => {
  await withQueue("broadcast", (q) => q.pause()); // an operator's pause: must survive the drill
  // sales-1's scan takes 1.5 s: the window in which jobs are added to the paused queue.
  world.gateway.setFor("sales-1", { scanAfterMs: 1500 });
  const processed: string[] = [];
  const connection = { host: "127.0.0.1", port: world.redis.port, password: "SECRET-redis-pass-d7e1", maxRetriesPerRequest: null };
  const worker = new Worker("outbound", async (job) => void processed.push(job.data.n), { connection });
  let processedWhilePaused = -1;
  const addDuringDrill = (async () => {
    await waitFor(() => world.gateway.logLines.some((l) => l.includes("session sales-1: QR generated")), 30000);
    // Added while sales-1's QR waits for its scan: the queue is paused, so they must wait.
    await withQueue("outbound", (q) => q.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: "send", data: { n: `m${i}` } }))));
    await new Promise((r) => setTimeout(r, 300));
    processedWhilePaused = processed.length;
  })();
  try {
    const id = runId();
    const drill = await upDrill(host, drillConfig(world, id, { openTimeoutMs: 5000 }), world.secrets);
    await addDuringDrill;

    expect(drill.steps.map((s) => s.name)).toEqual(["spec1-drill-pause", ...SESSIONS.map(relogin), "spec1-drill-resume", "spec1-drill-test-message", "spec1-drill-outcome"]);
    expect(drill.steps.filter((s) => s.error)).toEqual([]);
    expect(drill.step("spec1-drill-pause").outs).toMatchObject({ pausedByDrill: ["outbound"], alreadyPaused: ["broadcast"] });
    for (const s of SESSIONS) expect(drill.step(relogin(s)).outs).toMatchObject({ ok: true, result: "open", attempts: [{ attempt: 1, result: "open", qrShown: true }] });
    expect(drill.step("spec1-drill-resume").outs).toMatchObject({ resumed: ["outbound"] });
    expect(drill.step("spec1-drill-test-message").outs!.report).toMatchObject({ ok: true, session: "sales-1", chatId: CHAT_ID });

    // The QR, drawn in the log for the operator to scan.
    expect(host.output()).toContain("session sales-1: scan this QR with the dedicated device");
    expect(host.output()).toMatch(/█▀▀▀▀▀█/);
    // The test message went through the gateway and was confirmed in the console.
    expect(world.gateway.sentMessages.at(-1)).toMatchObject({ sessionId: "sales-1", to: CHAT_ID });
    expect(world.gateway.sentMessages.at(-1)!.text).toContain(`[drill ${id}/`);

    expect(await pausedQueues(target(), QUEUES)).toEqual(["broadcast"]);
    expect(processedWhilePaused).toBe(0);
    await waitFor(() => processed.length >= 10);
    await new Promise((r) => setTimeout(r, 200));
    expect([...processed].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`).sort());

    // Ops log: Markdown + JSON, and the result for the operations group.
    const report = String(drill.step("spec1-drill-outcome").outs!.report);
    const md = fs.readFileSync(report, "utf8");
    expect(md).toContain(`# QR re-login drill ${id}`);
    expect(md).toContain("Result: **passed**");
    expect(md).toContain("already paused before the drill, left paused: broadcast");
    expect(JSON.parse(fs.readFileSync(report.replace(/\.md$/, ".json"), "utf8")).sessions.map((s: { session: string }) => s.session)).toEqual(SESSIONS);
    expect(notices()).toEqual([expect.stringContaining(`*QR drill ${id}: passed*`)]);
  } finally {
    world.gateway.setFor("sales-1", {});
    await worker.close();
    await withQueue("broadcast", (q) => q.resume());
  }
});

test("a finished drill shows no diff on the next preview; a new runId re-runs every step", async () => {
  const drill = await upDrill(host, drillConfig(world, runId(), { sessions: ["sales-1"] }), world.secrets);
  for (const step of drill.steps.filter((s) => s.outs)) {
    expect([step.name, (await host.diff(step.name, step.id!, step.outs!, step.inputs)).changes]).toEqual([step.name, "none"]);
    expect(await host.diff(step.name, step.id!, step.outs!, { ...step.inputs, runId: "next-week" })).toMatchObject({ changes: "some", replaces: ["runId"] });
  }
});

test("QR only on the 3rd attempt: two no-QR attempts, then open; no escalation", async () => {
  world.gateway.set({ qrOnAttempt: 3 });
  const drill = await upDrill(host, drillConfig(world, runId(), { sessions: ["qr-late"] }), world.secrets);
  const outs = drill.step(relogin("qr-late")).outs!;
  expect(attemptsOf(outs)).toEqual(["no-qr", "no-qr", "open"]);
  expect(outs.attempts[0].detail).toContain("no QR within 800ms");
  expect(outs.escalation).toBeUndefined();
  expect(drill.step("spec1-drill-outcome").error).toBeUndefined();
});

test("no QR ever for one session: exactly 3 attempts, escalation with the gateway's logs, queues resumed, the other session still drilled", async () => {
  world.gateway.setFor("sales-1", { qrOnAttempt: null });
  const before = world.gateway.connectAttempts("sales-1");
  try {
    const drill = await upDrill(host, drillConfig(world, runId()), world.secrets);
    expect(world.gateway.connectAttempts("sales-1") - before).toBe(3);
    const failed = drill.step(relogin("sales-1")).outs!;
    expect(attemptsOf(failed)).toEqual(["no-qr", "no-qr", "no-qr"]);
    expect(failed.escalation).toBe("webhook sent (HTTP 200)");
    const escalation = notices().find((n) => n.includes("not re-linked"))!;
    expect(escalation).toContain("session sales-1 not re-linked after 3 attempts (no-qr)");
    expect(escalation).toContain("Last 20 gateway log lines:");
    expect(escalation).toContain("session sales-1: no QR generated (attempt");
    expect(drill.step(relogin("support-1")).outs).toMatchObject({ ok: true, result: "open" });
    expect(drill.step("spec1-drill-resume").outs).toMatchObject({ resumed: QUEUES });
    expect(await pausedQueues(target(), QUEUES)).toEqual([]);
    expect(drill.step("spec1-drill-test-message").outs!.report).toMatchObject({ ok: true, session: "support-1" });
    const error = drill.step("spec1-drill-outcome").error!;
    expect(error).toContain("session sales-1: no-qr after 3 attempt(s)");
    expect(error).toContain("FAIL sales-1: no-qr (attempt 3/3: no QR within 800ms");
    expect(error).toContain("OK   support-1: open (attempt 1/1: QR scanned, status open)");
    expect(notices().at(-1)).toContain("FAILED (1 problem(s))");
  } finally {
    world.gateway.setFor("sales-1", {});
  }
});

test("open never arrives: the QR is shown 3 times, escalated with the gateway's logs, queues resumed, run fails listing the session", async () => {
  world.gateway.set({ scanAfterMs: null });
  const drill = await upDrill(host, drillConfig(world, runId(), { sessions: ["unscanned"] }), world.secrets);
  const outs = drill.step(relogin("unscanned")).outs!;
  expect(attemptsOf(outs)).toEqual(["open-timeout", "open-timeout", "open-timeout"]);
  expect(outs.attempts.every((a: { qrShown: boolean }) => a.qrShown)).toBe(true);
  expect(outs.escalation).toBe("webhook sent (HTTP 200)");
  expect(notices()[0]).toContain("*QR drill");
  expect(notices()[0]).toContain("session unscanned not re-linked after 3 attempts (open-timeout)");
  expect(notices()[0]).toContain("session unscanned: QR generated"); // the gateway's log lines
  expect(await pausedQueues(target(), QUEUES)).toEqual([]);
  expect(drill.step("spec1-drill-test-message").outs!.report).toMatchObject({ ok: false, detail: "not sent: no drilled session reach open" });
  expect(drill.step("spec1-drill-outcome").error).toContain("FAIL unscanned: open-timeout");
});

test("an expired QR is told apart from a lost connection", async () => {
  world.gateway.set({ scanAfterMs: null, qrExpiresAfterMs: 50 });
  const expired = await upDrill(host, drillConfig(world, runId(), { sessions: ["expiring"], qrAttempts: 1 }), world.secrets);
  expect(expired.step(relogin("expiring")).outs!.attempts[0]).toMatchObject({ result: "qr-expired", qrShown: true });
  expect(expired.step(relogin("expiring")).outs!.attempts[0].detail).toContain("QR expired before a scan");

  world.gateway.set({ qrExpiresAfterMs: null, dropWebSocketAfterMs: 30 });
  const dropped = await upDrill(host, drillConfig(world, runId(), { sessions: ["dropping"] }), world.secrets);
  const outs = dropped.step(relogin("dropping")).outs!;
  expect(attemptsOf(outs)).toEqual(["connection-lost", "connection-lost", "connection-lost"]);
  expect(outs.attempts[0].detail).toContain("WebSocket to the gateway dropped");
  expect(await pausedQueues(target(), QUEUES)).toEqual([]);
});

test("a test message that never reaches the console fails the run after its bound; the sessions' results stand", async () => {
  world.api.set({ console: "lost" });
  const drill = await upDrill(host, drillConfig(world, runId(), { sessions: ["sales-1"] }), world.secrets);
  expect(drill.step(relogin("sales-1")).outs).toMatchObject({ ok: true });
  const report = drill.step("spec1-drill-test-message").outs!.report;
  expect(report.ok).toBe(false);
  expect(report.detail).toMatch(/^sent as msg-\d+, never reached the console: test message in the chat console: not reached within 1s; last seen: \d+ recent message\(s\), none with marker/);
  expect(drill.step("spec1-drill-outcome").error).toContain("test message: sent as");
});

test("no secret in captured inputs, serialized providers, host output, notifications or the ops log", async () => {
  world.gateway.set({ scanAfterMs: null });
  const config = drillConfig(world, runId(), { sessions: ["leaky"], qrAttempts: 1 });
  const drill = await upDrill(host, config, world.secrets);
  const program = await runStack("drill", { config, secrets: world.secrets, preview: true });
  const report = String(JSON.parse(JSON.stringify(drill.step("spec1-drill-outcome").error)).match(/report: (\S+)/)[1]);
  const texts = [
    plainText(program.resources.map((r) => r.inputs)),
    ...program.resources.map((r) => String(r.inputs.__provider ?? "")),
    JSON.stringify(drill.steps.map((s) => s.outs)),
    host.output(),
    JSON.stringify(world.hook.items.map((i) => i.json)),
    fs.readFileSync(report, "utf8"),
    fs.readFileSync(report.replace(/\.md$/, ".json"), "utf8"),
  ];
  for (const secret of [TEST_SECRETS.gatewayToken, "SECRET-redis-pass-d7e1", WEBHOOK_SECRET_PATH]) {
    for (const text of texts) expect(text).not.toContain(secret);
  }
});

test("SIGTERM to the process running the drill resumes the queues it paused, and only those", async () => {
  world.gateway.set({ scanAfterMs: null });
  await withQueue("broadcast", (q) => q.pause());
  const own = await startProviderHost({ stack: "drill" });
  try {
    const drill = upDrill(own, drillConfig(world, runId(), { sessions: ["interrupted"], openTimeoutMs: 10000 }), world.secrets);
    await waitFor(() => world.gateway.logLines.some((l) => l.includes("session interrupted: QR generated")), 30000);
    expect(await pausedQueues(target(), QUEUES)).toEqual(QUEUES);
    await own.stop(); // SIGTERM, and wait for the host to exit
    expect(await pausedQueues(target(), QUEUES)).toEqual(["broadcast"]);
    expect(own.output()).toContain("drill interrupted by SIGTERM: resuming paused queues before exit");
    const steps = (await drill).steps;
    expect(steps.find((s) => s.name === relogin("interrupted"))!.error).toBeDefined();
  } finally {
    await own.stop();
    await withQueue("broadcast", (q) => q.resume());
  }
});

async function withQueue<T>(name: string, use: (q: Queue) => Promise<T>): Promise<T> {
  const q = new Queue(name, { connection: { host: "127.0.0.1", port: world.redis.port, password: "SECRET-redis-pass-d7e1" } });
  try {
    return await use(q);
  } finally {
    await q.close();
  }
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
