/**
 * How the restore's lookup and the QR drill grow with the work, as a markdown table:
 *   lookup vs keys — findLatestBackup (list every page, pick, read the head) on a bucket holding N older
 *                    dumps plus the newest, served by s3rver; one S3 client per lookup.
 *   drill vs sessions — `pulumi up` of the drill stack (program under mocks in a fresh process, Pulumi's
 *                    provider host, harness/engine.ts upInProcess) against the stand-in gateway with N open
 *                    sessions whose QR is "scanned" 200 ms after it is shown, real Redis, the stand-in api.
 * Restore vs dump size is `npm run bench:restore -- --sales a,b`; check verdict latency vs time-to-healthy
 * is bench/checkLatency.ts. Each point --reps times (min / median).
 *
 *   npm run bench:scaling -- [--keys 1000,5000,20000] [--sessions 1,5,20] [--reps 3]
 */
import { fork } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { uploadNewestBackup, uploadOlderBackups } from "../sim/fixtures/backups";
import { findLatestBackup } from "../restore/lookup";
import { startRedis } from "../sim/services/redis";
import { startGateway } from "../sim/standins/gateway";
import { startApi } from "../sim/standins/api";
import { startWebhookReceiver } from "../sim/services/receivers";
import { startProviderHost } from "../harness/providerHost";
import { upInProcess } from "../harness/engine";
import { readStackConfig } from "../config/stackFile";
import { median } from "./stats";

const HOUR_MS = 3_600_000;

function numbers(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const values = String(process.argv[i + 1])
    .split(",")
    .map(Number);
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`--${name}: positive integers separated by commas, e.g. --${name} 1,5`);
  return values;
}

const ms = (xs: number[]) => `${Math.min(...xs)} / ${median(xs)}`;

/** Each row is printed as soon as it is measured: a long run stopped half-way still shows what it measured. */
function row(rows: string[], line: string): void {
  rows.push(line);
  console.log(line);
}

async function lookupRows(keys: number[], reps: number): Promise<string[]> {
  const rows: string[] = [];
  const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-bench-scaling-"));
  try {
    const dump = path.join(dumpDir, "newest.dump");
    // A custom-format header is all the lookup reads of the newest dump.
    fs.writeFileSync(dump, Buffer.concat([Buffer.from("PGDMP"), Buffer.from([1, 14, 0, 4, 8, 1]), Buffer.alloc(4096)]));
    for (const n of keys) {
      const s3 = await startS3({ buckets: ["backups"] });
      try {
        const client = s3.client();
        await uploadOlderBackups(client, "backups", "spec-1/", n);
        await uploadNewestBackup(client, "backups", "spec-1/2026-12-01T02-00-00Z.dump", dump, "matching");
        client.destroy();
        const loc = { endpoint: s3.endpoint, region: "us-east-1", bucket: "backups", prefix: "spec-1/", timeoutMs: 60_000 };
        const samples: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t = Date.now();
          const found = await findLatestBackup(loc, S3RVER_CREDENTIALS, Date.now());
          samples.push(Date.now() - t);
          if (!found.key.endsWith("2026-12-01T02-00-00Z.dump")) throw new Error(`the lookup picked ${found.key}`);
        }
        row(
          rows,
          `| lookup (find the newest backup) | ${n + 4} keys | ${ms(samples)} ms | ${(median(samples) / ((n + 4) / 1000)).toFixed(0)} ms per 1,000 keys |`,
        );
      } finally {
        await s3.stop();
      }
    }
  } finally {
    fs.rmSync(dumpDir, { recursive: true, force: true });
  }
  return rows;
}

interface DrillRequest {
  readonly config: Record<string, unknown>;
  readonly secrets: Record<string, string>;
}

/** In a fresh process (Pulumi's runtime state is per process): the drill stack's up, its duration sent back. */
async function drillChild(req: DrillRequest): Promise<void> {
  const pulumi = require("@pulumi/pulumi");
  // From the provider host's start, as `pulumi up` starts it, to the up's end.
  const started = Date.now();
  const host = await startProviderHost({ stack: "drill" });
  try {
    const up = await upInProcess(
      pulumi,
      async () => require("../index"),
      { stack: "drill", config: req.config, secrets: req.secrets },
      host,
    );
    const failed = up.steps.filter((s) => s.status !== "done");
    process.send!({ upMs: Date.now() - started, failed: failed.length ? JSON.stringify(failed[0]).slice(0, 600) : undefined });
  } finally {
    await host.stop();
  }
}

function drillOnce(req: DrillRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ["--drill"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    // Each drill step is bounded by its own config; this keeps a hung child from hanging the bench.
    const timer = setTimeout(() => child.kill("SIGKILL"), HOUR_MS);
    let result: number | undefined;
    child.on("message", (m: { upMs: number; failed?: string }) => {
      if (m.failed) reject(new Error(`the drill failed: ${m.failed}`));
      else result = m.upMs;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (result !== undefined) resolve(result);
      else reject(new Error(`the drill's process ended (${code}) without a result`));
    });
    child.send(req);
  });
}

async function drillRows(counts: number[], reps: number): Promise<string[]> {
  const rows: string[] = [];
  const redis = await startRedis({ password: "bench-redis" });
  // redis-server is a process of its own: a bench stopped by a signal must not leave it running.
  const onSignal = () => void redis.stop().finally(() => process.exit(130));
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  const hook = await startWebhookReceiver();
  const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-bench-drill-"));
  try {
    for (const n of counts) {
      const sessions = Array.from({ length: n }, (_, i) => `s-${i + 1}`);
      const samples: number[] = [];
      for (let r = 0; r < reps; r++) {
        const gateway = await startGateway({
          token: "bench-token",
          sessions: sessions.map((id) => ({ id, status: "open" as const })),
          faults: { scanAfterMs: 200 },
        });
        const api = await startApi({}, { gateway });
        try {
          const drill = {
            gatewayUrl: gateway.httpUrl,
            gatewayWsUrl: gateway.wsUrl,
            sessions,
            queues: ["outbound"],
            reportsDir,
            runId: `bench-${n}-${r}`,
            testMessage: { chatId: "60123456789-1600000000@g.us", confirmUrl: api.recentMessagesUrl, confirmTimeoutMs: 5000 },
          };
          const config = {
            ...readStackConfig("drill"),
            drill: { ...readStackConfig("drill").drill, ...drill },
            notify: { timeoutMs: 5000 },
          };
          const secrets = { redisUrl: redis.url, gatewayToken: "bench-token", notifyWebhookUrl: `${hook.url}/hooks/bench` };
          samples.push(await drillOnce({ config, secrets }));
        } finally {
          await Promise.allSettled([gateway.stop(), api.stop()]);
        }
      }
      row(
        rows,
        `| drill (\`pulumi up\`, QR scanned 200 ms after shown) | ${n} session(s) | ${ms(samples)} ms | ${(median(samples) / n).toFixed(0)} ms per session |`,
      );
    }
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    await Promise.allSettled([hook.close(), redis.stop()]);
    fs.rmSync(reportsDir, { recursive: true, force: true });
  }
  return rows;
}

async function main(): Promise<void> {
  const reps = numbers("reps", [3])[0];
  const keys = numbers("keys", [1000, 5000, 20000]);
  const sessions = numbers("sessions", [1, 5, 20]);
  console.log(`scaling, ${new Date().toISOString()}, ${os.cpus().length} CPU(s), ${reps} rep(s) per point\n`);
  console.log("| what | size | min / median | per unit (median) |\n|---|---|---|---|");
  await lookupRows(keys, reps);
  await drillRows(sessions, reps);
}

if (process.argv[2] === "--drill") {
  process.once("message", (req) =>
    drillChild(req as DrillRequest).then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`${(err as Error).stack}\n`);
        process.exit(1);
      },
    ),
  );
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench: ${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
