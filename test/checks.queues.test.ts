/** queues through Pulumi's provider host against a real redis-server with real BullMQ queues and workers. */
import { Job, Queue, Worker } from "bullmq";
import IORedis from "ioredis";
import * as net from "net";
import { Props } from "../harness/program";
import { LocalRedis, startRedis } from "../sim/services/redis";
import { captureChecks, CheckDriver, startCheckDriver } from "./helpers/checks";

const PASSWORD = "queue-check-pw-3e1d";
let redis: LocalRedis;
let driver: CheckDriver;
const opened: { close(): Promise<unknown> }[] = [];
let n = 0;

beforeAll(async () => {
  const inputs = await captureChecks();
  [redis, driver] = await Promise.all([startRedis({ password: PASSWORD }), startCheckDriver(inputs)]);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await Promise.all([redis?.stop(), driver?.host.stop()]);
});

const connection = () => ({ url: redis.url });
/** A fresh queue name per test, with `jobs` waiting in it. */
async function queueWith(jobs: number, opts: { paused?: boolean; delayed?: number } = {}): Promise<string> {
  const name = `q${++n}`;
  const queue = new Queue(name, { connection: connection() });
  opened.push(queue);
  if (opts.paused) await queue.pause();
  await queue.addBulk(Array.from({ length: jobs }, (_, i) => ({ name: "send", data: { i } })));
  for (let i = 0; i < (opts.delayed ?? 0); i++) await queue.add("BACKUP_DAILY", {}, { delay: 3600000 });
  return name;
}
function work(name: string, processor: (job: Job) => Promise<void>): void {
  // A Worker's blocking connection needs maxRetriesPerRequest: null.
  opened.push(new Worker(name, processor, { connection: { ...connection(), maxRetriesPerRequest: null }, concurrency: 1 }));
}
const check = (names: string[], over: Props = {}) => ({
  names,
  redisUrl: redis.url,
  intervalMs: 50,
  deadlineMs: 600,
  maxFailed: 2,
  connectTimeoutMs: 1000,
  ...over,
});

test("passes when every queue drains; delayed jobs (the next backup) are not a backlog", async () => {
  const [a, b] = [await queueWith(20), await queueWith(0, { delayed: 1 })];
  work(a, async () => undefined);
  const { outs } = await driver.create("queues", check([a, b], { deadlineMs: 5000 }));
  const result = outs.result as Props;
  expect(result.queues[a]).toMatchObject({ state: "drained", last: { waiting: 0, paused: false } });
  expect(result.queues[b]).toMatchObject({ state: "drained", first: { waiting: 0, delayed: 1 } });
  expect(JSON.stringify(outs)).not.toContain(PASSWORD);
});

test("a queue still falling at the deadline passes as draining", async () => {
  const name = await queueWith(200);
  work(name, () => new Promise((r) => setTimeout(r, 10)));
  const { outs } = await driver.create("queues", check([name]));
  const q = (outs.result as Props).queues[name];
  expect(q.state).toBe("falling");
  expect(q.last.waiting).toBeLessThan(q.first.waiting);
});

/** Clients connected to the test Redis now. */
async function redisClients(): Promise<number> {
  const client = new IORedis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    return (
      String(await client.client("LIST"))
        .trim()
        .split("\n").length - 1
    );
  } finally {
    client.disconnect();
  }
}

test("a paused queue fails at once, saying how to resume it; the check leaves no connection open", async () => {
  const name = await queueWith(3, { paused: true });
  const clientsBefore = await redisClients();
  const message = await driver.failure("queues", check([name], { deadlineMs: 5000 }));
  await new Promise((r) => setTimeout(r, 50));
  expect(await redisClients()).toBe(clientsBefore);
  expect(message).toMatch(
    new RegExp(
      `^queues on redis at 127\\.0\\.0\\.1:${redis.port}, after 0\\.\\d+s: queue ${name}: is paused, so it cannot drain; resume it in the worker dashboard \\(waiting 3 → 3 over 0\\.0s, active 0, delayed 0\\)$`,
    ),
  );
});

test("a queue nobody works is stuck at the deadline", async () => {
  const name = await queueWith(5);
  const message = await driver.failure("queues", check([name]));
  expect(message).toMatch(new RegExp(`queue ${name}: is not draining \\(waiting 5 → 5 over 0\\.\\d+s, active 0, delayed 0\\)$`));
});

test("jobs failing while the check runs fail it above the threshold, with the last reason", async () => {
  const name = await queueWith(10);
  work(name, async () => {
    throw new Error("gateway refused: session closed");
  });
  const message = await driver.failure("queues", check([name], { deadlineMs: 5000 }));
  expect(message).toContain(
    `queue ${name}: more than 2 jobs failed while the check ran; last failure: gateway refused: session closed (waiting`,
  );
});

test("an unreachable or refusing Redis fails with host and port, never the password", async () => {
  const wrongPort = await driver.failure("queues", check(["x"], { redisUrl: `redis://:${PASSWORD}@127.0.0.1:1/0` }));
  expect(wrongPort).toMatch(/^redis at 127\.0\.0\.1:1\/0: cannot connect: .*ECONNREFUSED/);
  const wrongPassword = await driver.failure("queues", check(["x"], { redisUrl: `redis://:not-${PASSWORD}@127.0.0.1:${redis.port}` }));
  expect(wrongPassword).toMatch(new RegExp(`^redis at 127\\.0\\.0\\.1:${redis.port}: cannot connect: WRONGPASS`));
  expect(wrongPort + wrongPassword).not.toContain(PASSWORD);
});

test("a Redis that accepts connections but never answers fails within the connect bound", async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const port = (silent.address() as net.AddressInfo).port;
  try {
    const started = Date.now();
    const message = await driver.failure(
      "queues",
      check(["x"], { redisUrl: `redis://:${PASSWORD}@127.0.0.1:${port}`, connectTimeoutMs: 300 }),
    );
    expect(message).toBe(`redis at 127.0.0.1:${port}: cannot connect: Command timed out`);
    expect(Date.now() - started).toBeLessThan(4000);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
