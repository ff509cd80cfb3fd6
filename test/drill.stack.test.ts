import { Worker } from "bullmq";
import * as fs from "fs";
import { ProviderHost } from "../harness/providerHost";
import { pausedQueues } from "../drill/queues";
import { workerConnection } from "../lib/redis";
import { withQueue } from "../sim/services/worker";
import { startTricklingWebSocket } from "../sim/standins/trickle";
import { plainText, runStack, TEST_SECRETS } from "./helpers/program";
import {
  CHAT_ID,
  DrillRun,
  DrillWorld,
  drillConfig,
  QUEUES,
  relogin,
  SESSIONS,
  startDrillWorld,
  startProviderHost,
  upDrill,
  WEBHOOK_SECRET_PATH,
} from "./helpers/drillStack";

let world: DrillWorld;
let host: ProviderHost;
let run = 0;
const runId = () => `test-${++run}`;
const STEPS = (sessions: string[]) => [
  "spec1-drill-pause",
  ...sessions.map(relogin),
  "spec1-drill-resume",
  "spec1-drill-test-message",
  "spec1-drill-outcome",
];

beforeAll(async () => {
  [world, host] = await Promise.all([startDrillWorld(), startProviderHost({ stack: "drill" })]);
});
afterAll(async () => {
  await host?.stop();
  await world?.stop();
});
beforeEach(() => {
  world.gateway.set({
    qrOnAttempt: 1,
    scanAfterMs: 40,
    qrExpiresAfterMs: null,
    dropWebSocketAfterMs: null,
    qrRotateMs: null,
    qrRefs: null,
    scanQr: 1,
  });
  world.api.set({ console: "ok" });
  world.hook.items.length = 0;
});

const target = () => ({ redisUrl: world.redis.url, prefix: "bull", timeoutMs: 2000 });
const notices = () => world.hook.items.map((i) => String(i.json.text));
const attemptsOf = (outs: any) => outs.attempts.map((a: { result: string }) => a.result);

test("preview names the sessions from the gateway's list, in the runbook's order of steps, and touches nothing", async () => {
  const before = world.gateway.logLines.length;
  const config = drillConfig(world, runId());
  delete config.drill.sessions;
  const program = await runStack("drill", { config, secrets: world.secrets, preview: true });
  expect(program.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/drill:")).map((r) => r.name)).toEqual(STEPS(SESSIONS));
  expect(program.outputs.sessions).toEqual(SESSIONS);
  // The one call discovery makes: a read-only GET /sessions. No connect, no pause.
  expect(world.gateway.logLines.slice(before).map((l) => l.replace(/^\S+ /, ""))).toEqual(["http GET /sessions"]);
  expect(SESSIONS.map((s) => world.gateway.connectAttempts(s))).toEqual([0, 0]);
  expect(await pausedQueues(target(), QUEUES)).toEqual([]);
});

test("a clean drill: queues paused, each QR shown and scanned, queues resumed, jobs sent during the drill processed once, test message seen; no diff afterwards", async () => {
  await withQueue(world.redis.url, "broadcast", (q) => q.pause()); // an operator's pause: must survive the drill
  // sales-1's scan takes 1.5 s: the window in which jobs are added to the paused queue.
  world.gateway.setFor("sales-1", { scanAfterMs: 1500 });
  const processed: string[] = [];
  const worker = new Worker("outbound", async (job) => void processed.push(job.data.n), { connection: workerConnection(world.redis.url) });
  let processedWhilePaused = -1;
  const addDuringDrill = (async () => {
    await waitFor(() => world.gateway.logLines.some((l) => l.includes("session sales-1: QR generated")), 30000);
    await withQueue(world.redis.url, "outbound", (q) =>
      q.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: "send", data: { n: `m${i}` } }))),
    );
    await new Promise((r) => setTimeout(r, 300));
    processedWhilePaused = processed.length;
  })();
  try {
    const id = runId();
    const drill = await upDrill(host, drillConfig(world, id, { openTimeoutMs: 5000 }), world.secrets);
    await addDuringDrill;

    expect(drill.steps.map((s) => s.name)).toEqual(STEPS(SESSIONS));
    expect(drill.steps.filter((s) => s.error)).toEqual([]);
    expect(drill.step("spec1-drill-pause").outs).toMatchObject({ pausedByDrill: ["outbound"], alreadyPaused: ["broadcast"] });
    for (const s of SESSIONS)
      expect(drill.step(relogin(s)).outs).toMatchObject({
        ok: true,
        result: "open",
        maxAttempts: 3,
        attempts: [{ attempt: 1, result: "open", qrShown: true, qrsShown: 1 }],
      });
    expect(drill.step("spec1-drill-resume").outs).toMatchObject({ resumed: ["outbound"] });
    expect(drill.step("spec1-drill-test-message").outs!.report).toMatchObject({ ok: true, session: "sales-1", chatId: CHAT_ID });

    // The QR, drawn in the log for the operator to scan.
    expect(host.output()).toMatch(
      /session sales-1: scan this QR \(attempt 1\/3, QR 1\) on the drill page http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+\/ with the dedicated device/,
    );
    expect(host.output()).toMatch(
      /session sales-1: drill page http:\/\/127\.0\.0\.1:(\d+)\/[0-9a-f]{32}\/ \(live QR; from your machine: ssh -L \1:127\.0\.0\.1:\1 <runner>/,
    );
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
    expect(
      JSON.parse(fs.readFileSync(report.replace(/\.md$/, ".json"), "utf8")).sessions.map((s: { session: string }) => s.session),
    ).toEqual(SESSIONS);
    expect(notices()).toEqual([expect.stringContaining(`*QR drill ${id}: passed*`)]);

    // The next preview shows no change; a new runId re-runs every step.
    for (const step of drill.steps) {
      expect([step.name, (await host.diff(step.name, step.id!, step.outs!, step.inputs)).changes]).toEqual([step.name, "none"]);
      expect(await host.diff(step.name, step.id!, step.outs!, { ...step.inputs, runId: "next-week" })).toMatchObject({
        changes: "some",
        replaces: ["runId"],
      });
    }
  } finally {
    world.gateway.setFor("sales-1", {});
    await worker.close();
    await withQueue(world.redis.url, "broadcast", (q) => q.resume());
  }
});

describe("a drill where sessions fail in every way, and the test message is lost", () => {
  // One drill, one session per failure mode, plus one that works: the others must still be drilled.
  const FAULTS = {
    "qr-late": { qrOnAttempt: 3 },
    "no-qr": { qrOnAttempt: null },
    unscanned: { scanAfterMs: null },
    expiring: { scanAfterMs: null, qrExpiresAfterMs: 50 },
    fine: {},
  };
  const sessions = Object.keys(FAULTS);
  let drill: DrillRun;
  let id: string;
  let connects: Record<string, number>;
  let texts: string[];

  beforeAll(async () => {
    world.hook.items.length = 0;
    world.gateway.set({ qrOnAttempt: 1, scanAfterMs: 40 });
    for (const [s, f] of Object.entries(FAULTS)) world.gateway.setFor(s, f);
    world.api.set({ console: "lost" });
    const before = Object.fromEntries(sessions.map((s) => [s, world.gateway.connectAttempts(s)]));
    id = runId();
    drill = await upDrill(host, drillConfig(world, id, { sessions }), world.secrets);
    connects = Object.fromEntries(sessions.map((s) => [s, world.gateway.connectAttempts(s) - before[s]]));
    // Kept here: the top-level beforeEach clears the receiver before every test.
    texts = notices();
    for (const s of sessions) world.gateway.setFor(s, {});
  });

  test("each session's attempts end in a named result: late QR opens, no QR, unscanned and expired QR are told apart", () => {
    expect(drill.steps.map((s) => s.name)).toEqual(STEPS(sessions));
    expect(Object.fromEntries(sessions.map((s) => [s, attemptsOf(drill.step(relogin(s)).outs)]))).toEqual({
      "qr-late": ["no-qr", "no-qr", "open"],
      "no-qr": ["no-qr", "no-qr", "no-qr"],
      unscanned: ["open-timeout", "open-timeout", "open-timeout"],
      expiring: ["qr-expired", "qr-expired", "qr-expired"],
      fine: ["open"],
    });
    expect(connects).toEqual({ "qr-late": 3, "no-qr": 3, unscanned: 3, expiring: 3, fine: 1 });
    expect(drill.step(relogin("no-qr")).outs!.attempts[0].detail).toContain("no QR within 1500ms");
    expect(drill.step(relogin("expiring")).outs!.attempts[0].detail).toContain("1 QR(s) expired before a scan");
  });

  test("each session that failed all 3 attempts is escalated with the gateway's last log lines; the others are not", () => {
    for (const s of ["no-qr", "unscanned", "expiring"]) expect(drill.step(relogin(s)).outs!.escalation).toBe("webhook sent (HTTP 200)");
    for (const s of ["qr-late", "fine"]) expect(drill.step(relogin(s)).outs!.escalation).toBeUndefined();
    const escalation = texts.find((n) => n.includes("session no-qr not re-linked"))!;
    expect(escalation).toContain(`*QR drill ${id}: session no-qr not re-linked after 3 attempts (no-qr)*`);
    expect(escalation).toContain("Last 20 gateway log lines:");
    expect(escalation).toContain("session no-qr: no QR generated (attempt 3)");
    expect(texts.filter((n) => n.includes("not re-linked"))).toHaveLength(3);
  });

  test("queues are resumed, and the run fails at the end listing every session and the lost test message", async () => {
    expect(drill.step("spec1-drill-resume").outs).toMatchObject({ resumed: QUEUES });
    expect(await pausedQueues(target(), QUEUES)).toEqual([]);
    const report = drill.step("spec1-drill-test-message").outs!.report;
    expect(report).toMatchObject({ ok: false, session: "qr-late" });
    expect(report.detail).toMatch(
      /^sent as msg-\d+, never reached the console: test message in the chat console: not reached within 8\d\dms; last seen: \d+ recent message\(s\), none with marker/,
    );
    const error = drill.step("spec1-drill-outcome").error!;
    expect(error).toContain(
      `QR drill ${id} failed: session no-qr: no-qr after 3 attempt(s); session unscanned: open-timeout after 3 attempt(s); session expiring: qr-expired after 3 attempt(s); test message: sent as`,
    );
    expect(error).toContain("OK   qr-late: open (attempt 3/3: QR 1 scanned, status open)");
    expect(error).toContain("FAIL no-qr: no-qr (attempt 3/3: no QR within 1500ms");
    expect(error).toContain("OK   fine: open (attempt 1/3: QR 1 scanned, status open)");
    expect(fs.readFileSync(error.match(/report: (\S+)/)![1], "utf8")).toContain("Result: **FAILED**");
    expect(texts.at(-1)).toContain(`*QR drill ${id}: FAILED (4 problem(s))*`);
  });

  test("no secret in captured inputs, serialized providers, outputs, host output, notifications or the ops log", () => {
    expect(texts).toHaveLength(4);
    const report = drill.step("spec1-drill-outcome").error!.match(/report: (\S+)/)![1];
    const leaks = [
      plainText(drill.program!.resources.map((r) => r.inputs)),
      ...drill.program!.resources.map((r) => String(r.inputs.__provider ?? "")),
      JSON.stringify(drill.steps.map((s) => s.outs)),
      host.output(),
      ...texts,
      fs.readFileSync(report, "utf8"),
      fs.readFileSync(report.replace(/\.md$/, ".json"), "utf8"),
    ];
    for (const secret of [TEST_SECRETS.gatewayToken, "SECRET-redis-pass-d7e1", WEBHOOK_SECRET_PATH]) {
      for (const text of leaks) expect(text).not.toContain(secret);
    }
  });
});

describe("QR rotation: each attempt follows every QR the gateway sends", () => {
  test("the operator scans only the third QR: the attempt follows the rotation, prints each QR in full, and passes", async () => {
    world.gateway.set({ qrRotateMs: 150, scanQr: 3, scanAfterMs: 50 });
    const out = host.output().length;
    const drill = await upDrill(host, drillConfig(world, runId(), { sessions: ["third"], openTimeoutMs: 5000 }), world.secrets);
    expect(drill.step(relogin("third")).outs).toMatchObject({
      ok: true,
      result: "open",
      attempts: [{ attempt: 1, result: "open", qrsShown: 3, detail: "QR 3 scanned, status open" }],
    });
    const log = host.output().slice(out);
    const page = /session third: drill page (http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]+\/)/.exec(log)![1];
    for (const n of [1, 2, 3])
      expect(log).toContain(`session third: scan this QR (attempt 1/3, QR ${n}) on the drill page ${page} with the dedicated device`);
    expect(log.match(/█▀▀▀▀▀█/g)!.length).toBeGreaterThanOrEqual(3 * 2); // each QR drawn in full (two finder patterns on top)
    expect(drill.step("spec1-drill-outcome").error).toBeUndefined();
  });

  test("the gateway's own close after its QR refs run out ends the attempt as qr-expired, with the QRs it showed", async () => {
    world.gateway.set({ qrRotateMs: 60, qrRefs: 3, scanAfterMs: null });
    const started = Date.now();
    const drill = await upDrill(
      host,
      // The first QR's bound is not what this test is about: a loaded clean-clone run once took over 800 ms to the first QR.
      drillConfig(world, runId(), { sessions: ["refs"], qrAttempts: 2, qrTimeoutMs: 3000, openTimeoutMs: 20000 }),
      world.secrets,
    );
    const outs = drill.step(relogin("refs")).outs!;
    expect(attemptsOf(outs)).toEqual(["qr-expired", "qr-expired"]);
    expect(outs.attempts.map((a: { qrsShown: number }) => a.qrsShown)).toEqual([3, 3]);
    expect(outs.attempts[0].detail).toContain("3 QR(s) expired before a scan: refs: close (qr-expired, 408 QR refs attempts ended)");
    expect(Date.now() - started).toBeLessThan(15000); // ended by the gateway's close, not the 20 s deadline
    expect(await pausedQueues(target(), QUEUES)).toEqual([]);
  });
});

test("a trickling WebSocket peer (101 one byte at a time) cannot hold the drill: each attempt fails at its deadline, queues resumed", async () => {
  const peer = await startTricklingWebSocket(50);
  try {
    const started = Date.now();
    const config = drillConfig(world, runId(), { sessions: ["trickled"], gatewayWsUrl: peer.wsUrl, requestTimeoutMs: 1000, qrAttempts: 2 });
    const drill = await upDrill(host, config, world.secrets);
    const elapsed = Date.now() - started;
    const outs = drill.step(relogin("trickled")).outs!;
    expect(attemptsOf(outs)).toEqual(["connection-lost", "connection-lost"]);
    expect(outs.attempts[0].detail).toBe(`WebSocket ${peer.wsUrl}: no answer within 1000ms (upgrade not completed)`);
    for (const a of outs.attempts) expect(a.ms).toBeLessThan(1000 + 500);
    expect(peer.connections()).toBe(2);
    expect(drill.step("spec1-drill-resume").outs).toMatchObject({ resumed: QUEUES });
    expect(await pausedQueues(target(), QUEUES)).toEqual([]);
    expect(elapsed).toBeLessThan(30000); // the whole up, escalation and test message included
  } finally {
    await peer.close();
  }
});

test("a dropped WebSocket is a lost connection, not a missing QR", async () => {
  // No device scans: an earlier attempt's QR, scanned while the next attempt listens, would open the session
  // before that attempt's own drop (seen once at load ~12), which is a real `open`, not what this test is about.
  world.gateway.set({ dropWebSocketAfterMs: 5, qrDelayMs: 100, scanAfterMs: null });
  try {
    const drill = await upDrill(host, drillConfig(world, runId(), { sessions: ["dropping"] }), world.secrets);
    const outs = drill.step(relogin("dropping")).outs!;
    expect(attemptsOf(outs)).toEqual(["connection-lost", "connection-lost", "connection-lost"]);
    expect(outs.attempts[0].detail).toContain("WebSocket to the gateway dropped");
    expect(await pausedQueues(target(), QUEUES)).toEqual([]);
  } finally {
    world.gateway.set({ qrDelayMs: 10, scanAfterMs: 40 });
  }
});

test("SIGTERM to the process running the drill resumes the queues it paused, and only those", async () => {
  world.gateway.set({ scanAfterMs: null });
  await withQueue(world.redis.url, "broadcast", (q) => q.pause());
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
    await withQueue(world.redis.url, "broadcast", (q) => q.resume());
  }
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
