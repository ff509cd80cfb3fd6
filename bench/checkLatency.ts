/**
 * Check latency: the stand-in api, gateway and worker start broken and turn healthy at a known instant
 * T0; how long after T0 does each post-deploy check pass, and how long is the whole post-deploy phase
 * when the checks run one after another (baseline) vs in parallel (what `pulumi up` does: independent
 * resources)? Runs the same check functions the providers run, with the default timings divided by
 * --scale (default 20, so a run takes seconds, not minutes).
 *
 *   npx tsx bench/checkLatency.ts [--scale 20] [--runs 3]
 */
import { Queue, Worker } from "bullmq";
import { judgeHealth, judgeWebConsole } from "../checks/http.logic";
import { probeHttp } from "../checks/httpProbe";
import { silentLog } from "../lib/log";
import { runQrPath } from "../checks/qrPath";
import { runQueues } from "../checks/queues";
import { runSendRate } from "../checks/sendRate";
import { CHECKS_DEFAULTS, parseChecksConfig } from "../config/checks";
import { sleep } from "../lib/poll";
import { startRedis } from "../sim/services/redis";
import { startApi } from "../sim/standins/api";
import { startGateway } from "../sim/standins/gateway";
import { median } from "./stats";

const CHECK_NAMES = ["api-health", "web-console", "send-rate", "queues", "qr-path"] as const;
type CheckName = (typeof CHECK_NAMES)[number];
type Mode = "sequential" | "parallel";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The defaults, with every duration divided by `scale`. */
function scaledConfig(scale: number) {
  const d = CHECKS_DEFAULTS;
  const s = (ms: number) => Math.max(1, Math.round(ms / scale));
  const http = { intervalMs: s(d.health.intervalMs), deadlineMs: s(d.health.deadlineMs), requestTimeoutMs: s(d.health.requestTimeoutMs) };
  return parseChecksConfig({
    health: http,
    web: http,
    sendRate: { windowMs: s(d.sendRate.windowMs), deadlineMs: s(d.sendRate.deadlineMs), requestTimeoutMs: s(d.sendRate.requestTimeoutMs) },
    queues: { intervalMs: s(d.queues.intervalMs), deadlineMs: s(d.queues.deadlineMs), connectTimeoutMs: d.queues.connectTimeoutMs },
    qr: { attemptTimeoutMs: s(d.qr.attemptTimeoutMs), deadlineMs: s(d.qr.deadlineMs), requestTimeoutMs: s(d.qr.requestTimeoutMs) },
  });
}

/** One post-deploy phase: returns, per check, ms from T0 to its pass, and the phase's end after T0. */
async function phase(
  mode: Mode,
  scale: number,
  healthyAfterMs: number,
  redisUrl: string,
  run: number,
): Promise<{ perCheck: Record<CheckName, number>; phaseMs: number }> {
  const config = scaledConfig(scale);
  const [api, gw] = await Promise.all([startApi({ health: "503", web: "500" }), startGateway({ faults: { httpStatus: 503 } })]);
  const queueName = `bench-${mode}-${run}`;
  const queue = new Queue(queueName, { connection: { url: redisUrl } });
  let worker: Worker | undefined;
  await queue.addBulk(Array.from({ length: 50 }, (_, i) => ({ name: "send", data: { i } })));
  const checks: Record<CheckName, () => Promise<unknown>> = {
    "api-health": () => probeHttp("api health", { ...config.health, url: api.healthUrl }, judgeHealth, silentLog),
    "web-console": () => probeHttp("web console", { ...config.web, url: api.webUrl }, judgeWebConsole, silentLog),
    "send-rate": () => runSendRate({ ...config.sendRate, metricsUrl: gw.metricsUrl }, silentLog),
    queues: () => runQueues({ ...config.queues, names: [queueName], redisUrl }, silentLog),
    "qr-path": () => runQrPath({ ...config.qr, httpUrl: gw.httpUrl, wsUrl: gw.wsUrl }, silentLog),
  };
  const t0 = Date.now() + healthyAfterMs;
  const turnHealthy = sleep(healthyAfterMs).then(() => {
    api.set({ health: "ok", web: "ok" });
    gw.set({ httpStatus: null, successPerMinute: 600 });
    worker = new Worker(queueName, async () => undefined, { connection: { url: redisUrl, maxRetriesPerRequest: null } });
  });
  const perCheck = {} as Record<CheckName, number>;
  const timed = async (name: CheckName) => {
    await checks[name]();
    perCheck[name] = Date.now() - t0;
  };
  try {
    if (mode === "parallel") await Promise.all(CHECK_NAMES.map(timed));
    else for (const name of CHECK_NAMES) await timed(name);
    await turnHealthy;
  } finally {
    await Promise.allSettled([worker?.close(), queue.obliterate({ force: true }).then(() => queue.close()), api.stop(), gw.stop()]);
  }
  return { perCheck, phaseMs: Date.now() - t0 };
}

async function main(): Promise<void> {
  const scale = arg("scale", 20);
  const runs = arg("runs", 3);
  const healthyAfterMs = Math.round(10000 / scale);
  const redis = await startRedis();
  const results: Record<Mode, { perCheck: Record<CheckName, number>; phaseMs: number }[]> = { sequential: [], parallel: [] };
  try {
    for (let r = 0; r < runs; r++) {
      // Alternate the order so neither mode always runs on a warmer process.
      for (const mode of (r % 2 === 0 ? ["sequential", "parallel"] : ["parallel", "sequential"]) as Mode[]) {
        results[mode].push(await phase(mode, scale, healthyAfterMs, redis.url, r));
      }
    }
  } finally {
    await redis.stop();
  }
  const c = scaledConfig(scale);
  console.log(`check latency after T0 (services healthy ${healthyAfterMs} ms after the checks start); default timings / ${scale}:`);
  console.log(
    `  http interval ${c.health.intervalMs} ms, send-rate window ${c.sendRate.windowMs} ms, queue interval ${c.queues.intervalMs} ms, QR attempt ${c.qr.attemptTimeoutMs} ms; median of ${runs} runs`,
  );
  console.log("");
  // Sequential times are cumulative: a check starts when the one before it has passed.
  console.log(`${"check passes at (ms after T0)".padEnd(30)}${"sequential".padStart(12)}${"parallel".padStart(10)}`);
  for (const name of CHECK_NAMES) {
    const seq = median(results.sequential.map((x) => x.perCheck[name]));
    const par = median(results.parallel.map((x) => x.perCheck[name]));
    console.log(`  ${name.padEnd(28)}${String(seq).padStart(12)}${String(par).padStart(10)}`);
  }
  const seq = median(results.sequential.map((x) => x.phaseMs));
  const par = median(results.parallel.map((x) => x.phaseMs));
  console.log(`${"post-deploy phase".padEnd(30)}${String(seq).padStart(12)}${String(par).padStart(10)}`);
  console.log("");
  console.log(`sequential / parallel phase: ${(seq / par).toFixed(2)}× (phase = T0 to the last check passing)`);
  const parOf = (name: CheckName) => median(results.parallel.map((x) => x.perCheck[name]));
  const slowest = CHECK_NAMES.reduce((a, b) => (parOf(a) >= parOf(b) ? a : b));
  console.log(`the parallel phase is bound by its slowest check, ${slowest} (${parOf(slowest)} ms after T0)`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
