/**
 * Program evaluation as `pulumi preview` runs it: each stack's program (index.ts) under Pulumi's mocks,
 * in a fresh process per run, with the bytes of provider code its dynamic resources store. "program" is
 * from requiring index.ts to its last registration (what serializing providers costs); "process" is from
 * spawning the process to that moment (Node, tsx and @pulumi/pulumi loading included). Side by side with
 * a baseline checkout (`--baseline <dir>`, e.g. a worktree of the commit before a change), each contender
 * run `--runs` times, interleaved; min and median, and the ratio of medians.
 *
 *   npx tsx bench/program.ts [--runs 3] [--baseline <dir>] [--sessions 2]
 */
import { fork } from "child_process";
import * as path from "path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { readStackConfig } from "../config/stackFile";
import { S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { median } from "./stats";

const STACKS = ["prod", "drill", "restore"] as const;
const SECRETS = {
  databaseUrl: "postgres://spec1:pw@db:5432/spec1",
  redisUrl: "redis://:pw@redis:6379/0",
  s3AccessKeyId: S3RVER_CREDENTIALS.accessKeyId,
  s3SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
  gatewayToken: "token",
  notifyWebhookUrl: "http://127.0.0.1:9/hook",
};

interface Sample {
  readonly programMs: number;
  readonly processMs: number;
  readonly providerBytes: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** The child: one program run in a fresh process, reported to the parent. */
async function child(tree: string, stack: string, config: Record<string, unknown>, spawnedAt: number): Promise<void> {
  const pulumi = require(path.join(tree, "node_modules/@pulumi/pulumi"));
  const { runProgram } = require(path.join(tree, "harness/program"));
  const started = Date.now();
  const run = await runProgram(pulumi, async () => require(path.join(tree, "index")), { stack, config, secrets: SECRETS, preview: true });
  const done = Date.now();
  const providerBytes = run.resources.reduce(
    (sum: number, r: { inputs: Record<string, unknown> }) => sum + Buffer.byteLength(String(r.inputs.__provider ?? "")),
    0,
  );
  process.send!({ programMs: done - started, processMs: done - spawnedAt, providerBytes } satisfies Sample);
}

function runChild(tree: string, stack: string, config: Record<string, unknown>): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const proc = fork(__filename, ["--child", tree, stack, JSON.stringify(config), String(Date.now())], {
      execArgv: ["--import", "tsx"],
      cwd: tree,
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 120_000);
    proc.once("message", (m) => resolve(m as Sample));
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${stack} in ${tree}: the program's process ended (${code}) without a result`));
    });
  });
}

async function main(): Promise<void> {
  const runs = Number(arg("runs") ?? 3);
  const sessions = Number(arg("sessions") ?? 2);
  const trees: Record<string, string> = { ours: path.resolve(__dirname, "..") };
  if (arg("baseline")) trees.baseline = path.resolve(arg("baseline")!);
  const s3 = await startS3({ buckets: ["backups"] });
  try {
    const header = Buffer.concat([Buffer.from("PGDMP"), Buffer.from([1, 14, 0, 4, 8, 1]), Buffer.alloc(64)]);
    const client = s3.client();
    await client.send(new PutObjectCommand({ Bucket: "backups", Key: "spec-1/2026-11-29T02-00-00Z.dump", Body: header }));
    client.destroy();
    const configs: Record<string, Record<string, unknown>> = {
      prod: readStackConfig("prod"),
      restore: { ...readStackConfig("restore"), backup: { ...readStackConfig("restore").backup, endpoint: s3.endpoint } },
      drill: {
        ...readStackConfig("drill"),
        drill: { ...readStackConfig("drill").drill, sessions: Array.from({ length: sessions }, (_v, i) => `s-${i + 1}`) },
      },
    };
    const samples: Record<string, Sample[]> = {};
    for (let i = 0; i < runs; i++) {
      for (const stack of STACKS) {
        for (const [name, tree] of Object.entries(trees))
          (samples[`${stack}/${name}`] ??= []).push(await runChild(tree, stack, configs[stack]));
      }
    }
    console.log(`program evaluation in preview, ${runs} run(s) each, interleaved; drill with ${sessions} session(s)`);
    console.log("stack    contender   program ms (min / median)   process ms (min / median)   provider code stored");
    for (const stack of STACKS) {
      for (const name of Object.keys(trees)) {
        const s = samples[`${stack}/${name}`];
        const program = s.map((x) => x.programMs);
        const proc = s.map((x) => x.processMs);
        const kib = (s[0].providerBytes / 1024).toFixed(1);
        console.log(
          `${stack.padEnd(8)} ${name.padEnd(11)} ${`${Math.min(...program)} / ${median(program)}`.padEnd(27)} ${`${Math.min(...proc)} / ${median(proc)}`.padEnd(27)} ${kib} KiB`,
        );
      }
      if (trees.baseline) {
        const ratio =
          median(samples[`${stack}/ours`].map((x) => x.programMs)) / median(samples[`${stack}/baseline`].map((x) => x.programMs));
        console.log(`${stack.padEnd(8)} ours / baseline (program, medians): ${ratio.toFixed(2)}`);
      }
    }
  } finally {
    await s3.stop();
  }
}

if (process.argv[2] === "--child") {
  const [tree, stack, config, spawnedAt] = process.argv.slice(3);
  child(tree, stack, JSON.parse(config), Number(spawnedAt)).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench: ${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
