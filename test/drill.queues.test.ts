import { Worker } from "bullmq";
import IORedis from "ioredis";
import * as net from "net";
import { LocalRedis, startRedis } from "../sim/services/redis";
import { workerConnection } from "../lib/redis";
import { withQueue } from "../sim/services/worker";
import { markerKey, pausedQueues, pauseQueues, resumeQueues } from "../drill/queues";

let redis: LocalRedis;
let target: { redisUrl: string; prefix: string; timeoutMs: number };

beforeAll(async () => {
  redis = await startRedis({ password: "SECRET-redis-pass-q1" });
  target = { redisUrl: redis.url, prefix: "bull", timeoutMs: 2000 };
});
afterAll(() => redis?.stop());

test("pauses running queues, leaves an operator's pause alone and reports it, resumes only its own", async () => {
  await withQueue(redis.url, "ops-manual", (q) => q.pause());
  const paused = await pauseQueues(target, ["outbound", "broadcast", "ops-manual"], "run-1");
  expect(paused).toEqual({ pausedByDrill: ["outbound", "broadcast"], alreadyPaused: ["ops-manual"], leftoverFrom: {} });
  expect(await pausedQueues(target, ["outbound", "broadcast", "ops-manual"])).toEqual(["outbound", "broadcast", "ops-manual"]);

  expect(await resumeQueues(target, paused.pausedByDrill)).toEqual(["outbound", "broadcast"]);
  expect(await pausedQueues(target, ["outbound", "broadcast", "ops-manual"])).toEqual(["ops-manual"]);
  await withQueue(redis.url, "ops-manual", (q) => q.resume());
});

test("a queue left paused by a drill that was killed is taken over and resumed by the next drill", async () => {
  const first = await pauseQueues(target, ["leftover"], "run-killed");
  expect(first.pausedByDrill).toEqual(["leftover"]);
  // No resume: the first drill died. The next one must not mistake its pause for an operator's.
  const next = await pauseQueues(target, ["leftover"], "run-2");
  expect(next).toEqual({ pausedByDrill: ["leftover"], alreadyPaused: [], leftoverFrom: { leftover: "run-killed" } });
  await resumeQueues(target, next.pausedByDrill);
  const r = new IORedis(redis.url);
  try {
    expect(await r.get(markerKey("bull", "leftover"))).toBeNull();
  } finally {
    r.disconnect();
  }
  expect(await pausedQueues(target, ["leftover"])).toEqual([]);
});

test("jobs added while paused wait, and after resume each is processed exactly once", async () => {
  await pauseQueues(target, ["jobs"], "run-3");
  const seen: string[] = [];
  const worker = new Worker("jobs", async (job) => void seen.push(job.data.n), { connection: workerConnection(redis.url), concurrency: 4 });
  try {
    await withQueue(redis.url, "jobs", async (q) => {
      await q.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: "send", data: { n: `m${i}` } })));
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([]);
      expect((await q.getJobCounts("waiting")).waiting).toBe(20);
      await resumeQueues(target, ["jobs"]);
      const deadline = Date.now() + 5000;
      while (seen.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      expect([...seen].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
      expect((await q.getJobCounts("completed")).completed).toBe(20);
    });
  } finally {
    await worker.close();
  }
});

test("an unreachable Redis fails the pause within its bound, naming the problem", async () => {
  const started = Date.now();
  await expect(pauseQueues({ ...target, redisUrl: "redis://127.0.0.1:1" }, ["outbound"], "run-4")).rejects.toThrow(
    "redis at 127.0.0.1:1: cannot connect: ECONNREFUSED",
  );
  expect(Date.now() - started).toBeLessThan(3000);
});

test("a Redis that accepts the connection but never answers fails the pause within its bound", async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as net.AddressInfo;
  const started = Date.now();
  try {
    await expect(pauseQueues({ ...target, redisUrl: `redis://127.0.0.1:${port}`, timeoutMs: 500 }, ["outbound"], "run-5")).rejects.toThrow(
      `redis at 127.0.0.1:${port}: cannot connect: Command timed out`,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
