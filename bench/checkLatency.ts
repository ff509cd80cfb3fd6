/**
 * Check verdict latency vs time-to-healthy: each post-deploy check starts against a service that is broken
 * and turns healthy T after the check starts (T = 0, 2, 5, 10 s by default); the latency is the time from
 * that instant to the check's pass. Each cell runs one check alone with its own stand-ins, with production's
 * default timings (config/checks.ts CHECKS_DEFAULTS: 1 s poll intervals, 60 s send-rate window, 30 s QR
 * attempts), the same check functions the providers run (without the provider host, which adds the same
 * gRPC round trip to every cell). Cells run ≥3 times, interleaved (bench/stats.ts), reported as min / median.
 *
 * Broken, then healthy at T: api-health 503 → {"status":"ok"}; web-console 500 → a page; queues: 50 jobs
 * waiting and no worker → a worker starts; send-rate and qr-path: the gateway's ports refuse connections
 * (a container restarting) → it listens again, sending 1,200 messages a minute throughout.
 *
 *   npx tsx bench/checkLatency.ts [--healthy 0,2,5,10] [--runs 3]
 */
import { Queue, Worker } from "bullmq";
import { judgeHealth, judgeWebConsole } from "../checks/http.logic";
import { probeHttp } from "../checks/httpProbe";
import { runQrPath } from "../checks/qrPath";
import { runQueues } from "../checks/queues";
import { runSendRate } from "../checks/sendRate";
import { parseChecksConfig } from "../config/checks";
import { silentLog } from "../lib/log";
import { sleep } from "../lib/poll";
import { startRedis } from "../sim/services/redis";
import { startApi } from "../sim/standins/api";
import { startGateway } from "../sim/standins/gateway";
import { interleaved, median } from "./stats";

const CHECK_NAMES = ["api-health", "web-console", "send-rate", "queues", "qr-path"] as const;
type CheckName = (typeof CHECK_NAMES)[number];

/** Production's defaults: what decides how late a verdict comes. */
const CONFIG = parseChecksConfig(undefined);
const SENDS_PER_MINUTE = 1200;
const BACKLOG = 50;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** A broken service, the check that watches it, and the switch that makes it healthy. */
interface Cell {
  check(): Promise<unknown>;
  heal(): Promise<void>;
  stop(): Promise<void>;
}

async function cell(name: CheckName, redisUrl: string, run: string): Promise<Cell> {
  if (name === "api-health" || name === "web-console") {
    const api = await startApi({ health: "503", web: "500" });
    return {
      check: () =>
        name === "api-health"
          ? probeHttp("api health", { ...CONFIG.health, url: api.healthUrl }, judgeHealth, silentLog)
          : probeHttp("web console", { ...CONFIG.web, url: api.webUrl }, judgeWebConsole, silentLog),
      heal: async () => api.set({ health: "ok", web: "ok" }),
      stop: () => api.stop(),
    };
  }
  if (name === "send-rate" || name === "qr-path") {
    const gw = await startGateway({ faults: { successPerMinute: SENDS_PER_MINUTE } });
    await gw.goDown();
    return {
      check: () =>
        name === "send-rate"
          ? runSendRate({ ...CONFIG.sendRate, metricsUrl: gw.metricsUrl }, silentLog)
          : runQrPath({ ...CONFIG.qr, httpUrl: gw.httpUrl, wsUrl: gw.wsUrl }, silentLog),
      heal: () => gw.comeBack(),
      stop: () => gw.stop(),
    };
  }
  const queueName = `bench-latency-${run}`;
  const queue = new Queue(queueName, { connection: { url: redisUrl } });
  await queue.addBulk(Array.from({ length: BACKLOG }, (_, i) => ({ name: "send", data: { i } })));
  let worker: Worker | undefined;
  return {
    check: () => runQueues({ ...CONFIG.queues, names: [queueName], redisUrl }, silentLog),
    heal: async () => {
      worker = new Worker(queueName, async () => undefined, { connection: { url: redisUrl, maxRetriesPerRequest: null } });
    },
    stop: async () => {
      await worker?.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}

/** One run: ms from the service turning healthy to the check's pass. */
async function latency(name: CheckName, healthyAfterMs: number, redisUrl: string, run: string): Promise<number> {
  const c = await cell(name, redisUrl, run);
  try {
    let healedAt = 0;
    const healing = sleep(healthyAfterMs)
      .then(() => c.heal())
      .then(() => (healedAt = Date.now()));
    await c.check();
    const passedAt = Date.now();
    await healing;
    return passedAt - healedAt;
  } finally {
    await c.stop();
  }
}

async function main(): Promise<void> {
  const healthy = option("healthy", "0,2,5,10").split(",").map(Number);
  const runs = Number(option("runs", "3"));
  if (healthy.some((s) => !(s >= 0)) || !(runs >= 1)) throw new Error("usage: --healthy <seconds,…> (e.g. 0,2,5,10) --runs <n ≥ 1>");
  const contenders = CHECK_NAMES.flatMap((name) => healthy.map((s) => `${name}@${s}`));
  const redis = await startRedis();
  let samples: Map<string, number[]>;
  try {
    samples = await interleaved(contenders, runs, (contender, rep) => {
      const [name, s] = contender.split("@");
      return latency(name as CheckName, Number(s) * 1000, redis.url, `${contender.replace("@", "-")}-${rep}`);
    });
  } finally {
    await redis.stop();
  }
  console.log(`verdict latency: ms from the service turning healthy to the check's pass; min / median of ${runs} interleaved runs`);
  console.log(
    `production defaults: http and queue interval ${CONFIG.health.intervalMs} ms, send-rate window ${CONFIG.sendRate.windowMs} ms (early pass at ${CONFIG.sendRate.minSends} sends, ${SENDS_PER_MINUTE}/min here), QR attempt ${CONFIG.qr.attemptTimeoutMs} ms`,
  );
  console.log("");
  const cell = (xs: number[]) => `${Math.min(...xs)} / ${median(xs)}`;
  console.log(["healthy after →".padEnd(16), ...healthy.map((s) => `${s} s`.padStart(14))].join(""));
  for (const name of CHECK_NAMES) {
    console.log([name.padEnd(16), ...healthy.map((s) => cell(samples.get(`${name}@${s}`)!).padStart(14))].join(""));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
