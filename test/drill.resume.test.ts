/**
 * A drill killed with SIGKILL mid-run (what a runner does to a cancelled job's process tree) cannot run
 * its signal guard: the queues stay paused. `npm run drill:resume` — the drill workflow's cancelled or
 * failed path, usable by hand — resumes exactly the queues carrying the drill's marker; jobs added while
 * they were paused are processed once. Real Redis and BullMQ, the drill through Pulumi's provider host.
 */
import { Job, Worker } from "bullmq";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { markerKey, pausedQueues } from "../drill/queues";
import { connectRedis, workerConnection } from "../lib/redis";
import { redisUrlCommand } from "../scripts/drillResume";
import { withQueue } from "../sim/services/worker";
import { CHAT_ID, DrillWorld, drillConfig, QUEUES, startDrillWorld, startProviderHost, upDrill } from "./helpers/drillStack";

const PROJECT = path.join(__dirname, "..");
const REDIS_PASSWORD = "SECRET-redis-pass-d7e1";
let world: DrillWorld;
let stackDir: string;

beforeAll(async () => {
  world = await startDrillWorld();
  // The drill stack as committed, pointed at the local world: the command reads its queues and notifier from it.
  stackDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-resume-"));
  const drill = { queues: QUEUES, testMessage: { chatId: CHAT_ID, confirmUrl: world.api.recentMessagesUrl } };
  fs.writeFileSync(
    path.join(stackDir, "Pulumi.drill.yaml"),
    stringify({ config: { "spec1:role": "drill", "spec1:drill": drill, "spec1:notify": { timeoutMs: 2000 } } }),
  );
});
afterAll(async () => {
  await world?.stop();
  fs.rmSync(stackDir, { recursive: true, force: true });
});

/** `npm run drill:resume -- …` as a workflow step runs it. */
function resumeCommand(args: string[], env: Record<string, string>, extraPath = ""): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      "npm",
      ["run", "--silent", "drill:resume", "--", ...args],
      { cwd: PROJECT, env: { ...process.env, ...env, PATH: `${extraPath}${process.env.PATH}` }, timeout: 60_000 },
      (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
    child.stdin?.end();
  });
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("the Redis URL comes from the stack's secret through this exact command", () => {
  const cmd = redisUrlCommand("drill");
  expect([cmd.command, ...cmd.args].join(" ")).toBe("pulumi config get redisUrl --stack drill");
});

test("SIGKILL mid-drill leaves the queues paused; drill:resume resumes the drill's, keeps an operator's, notifies, and every job runs once", async () => {
  const target = { redisUrl: world.redis.url, prefix: "bull", timeoutMs: 2000 };
  const runs = new Map<string, number>();
  const worker = new Worker("outbound", async (job: Job) => void runs.set(job.id!, (runs.get(job.id!) ?? 0) + 1), {
    connection: workerConnection(world.redis.url),
  });
  await worker.waitUntilReady();
  world.gateway.set({ scanAfterMs: null });
  await withQueue(world.redis.url, "broadcast", (q) => q.pause()); // an operator's pause, before the drill
  const host = await startProviderHost({ stack: "drill" });
  try {
    const drill = upDrill(host, drillConfig(world, "killed-run", { sessions: ["killed"], openTimeoutMs: 20000 }), world.secrets);
    await until(() => world.gateway.logLines.some((l) => l.includes("session killed: QR generated")), 30000, "the QR");
    process.kill(host.pid, "SIGKILL");
    await until(
      () => {
        try {
          process.kill(host.pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      5000,
      "the host's exit",
    );
    await drill; // the engine sees the step fail; nothing resumes
    expect(host.output()).not.toContain("drill interrupted");
    expect(await pausedQueues(target, QUEUES)).toEqual(QUEUES);

    await withQueue(world.redis.url, "outbound", (q) => q.addBulk([1, 2, 3, 4, 5].map((n) => ({ name: "msg", data: { n } }))));
    await new Promise((r) => setTimeout(r, 300));
    expect(runs.size).toBe(0); // paused: the worker takes nothing

    const hook = world.hook.items.length;
    const resumed = await resumeCommand(["--stack", "drill", "--stack-dir", stackDir, "--link", "https://ci.example/run/9"], {
      SPEC1_REDIS_URL: world.redis.url,
      SPEC1_NOTIFY_WEBHOOK_URL: world.secrets.notifyWebhookUrl,
    });
    expect(resumed.stderr).toContain("drill:resume: resumed outbound; left paused broadcast");
    expect(resumed.code).toBe(0);
    expect(await pausedQueues(target, QUEUES)).toEqual(["broadcast"]);
    const redis = await connectRedis(world.redis.url, 2000);
    expect(await redis.exists(markerKey("bull", "outbound"))).toBe(0);
    redis.disconnect();

    await until(() => runs.size === 5, 10000, "the five jobs");
    await new Promise((r) => setTimeout(r, 300));
    expect([...runs.values()]).toEqual([1, 1, 1, 1, 1]);

    const notice = String(world.hook.items.slice(hook)[0].json.text);
    expect(notice).toBe(
      [
        "*QR drill on drill did not finish: outbound queues resumed (outbound)*",
        "Resumed: outbound (paused by drill run killed-run).",
        "Left paused (paused before the drill, not by it): broadcast.",
        "The drill's sessions were not all checked: read the run's log, then drill again (pulumi up -s drill with a new drill.runId).",
        "Run: https://ci.example/run/9",
      ].join("\n"),
    );
    for (const text of [notice, resumed.stderr]) expect(text).not.toContain(REDIS_PASSWORD);

    // Run again (a retried step, a person after CI): nothing left to resume, the operator's pause untouched.
    const again = await resumeCommand(["--stack", "drill", "--stack-dir", stackDir], { SPEC1_REDIS_URL: world.redis.url });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("drill:resume: resumed nothing; left paused broadcast");
    expect(await pausedQueues(target, QUEUES)).toEqual(["broadcast"]);
  } finally {
    await host.stop();
    await worker.close();
    await withQueue(world.redis.url, "broadcast", (q) => q.resume());
    world.gateway.set({ scanAfterMs: 40 });
  }
});

test("without SPEC1_REDIS_URL it asks Pulumi for the stack's secret; a Redis it cannot reach fails with exit 1 and a password-free notice", async () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-fake-pulumi-"));
  try {
    // A stand-in `pulumi` that records its arguments and prints an unreachable Redis URL with a password.
    const url = `redis://:${REDIS_PASSWORD}@127.0.0.1:1/0`;
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" >> "${bin}/calls"\necho "${url}"\n`, { mode: 0o755 });
    const hook = world.hook.items.length;
    const run = await resumeCommand(
      ["--stack", "drill", "--stack-dir", stackDir],
      { SPEC1_REDIS_URL: "", SPEC1_NOTIFY_WEBHOOK_URL: world.secrets.notifyWebhookUrl },
      `${bin}:`,
    );
    expect(fs.readFileSync(path.join(bin, "calls"), "utf8")).toBe("config get redisUrl --stack drill\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("drill:resume: FAILED: redis at 127.0.0.1:1/0: cannot connect: ECONNREFUSED");
    const notice = String(world.hook.items.slice(hook)[0].json.text);
    expect(notice).toContain("*QR drill on drill did not finish and its queues could NOT be resumed*");
    expect(notice).toContain("Resume the outbound queues in the worker dashboard now");
    for (const text of [notice, run.stderr]) expect(text).not.toContain(REDIS_PASSWORD);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test("a missing --stack is a usage error, exit 2", async () => {
  const run = await resumeCommand([], {});
  expect(run.code).toBe(2);
  expect(run.stderr).toBe("drill:resume: --stack is required (the drill's Pulumi stack, e.g. --stack drill)\n");
});
