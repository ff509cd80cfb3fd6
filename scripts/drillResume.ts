/**
 * Resumes the outbound queues a QR drill paused and could not resume (its job cancelled or timed out,
 * its process killed), then tells the operations group. By hand or from the drill workflow's
 * cancelled/failed path:
 *   npm run drill:resume -- --stack drill [--link <run url>] [--stack-dir <dir>]
 * Only queues carrying the drill's Redis marker (drill/queues.ts markerKey) are resumed: one paused by an
 * operator stays paused, and is reported. The Redis URL is the stack's secret: SPEC1_REDIS_URL when set,
 * else `pulumi config get redisUrl` (needs the Pulumi login and passphrase the drill itself uses). The
 * notice goes through the stack's spec1:notify transports (secrets: SPEC1_NOTIFY_WEBHOOK_URL, …).
 * Exit 0 when every marked queue was resumed (or none was marked), 1 when a resume failed, 2 on bad usage.
 */
import { parseArgs } from "util";
import { parseDrillConfig } from "../config/drill";
import { parseNotifyConfig } from "../config/notify";
import { readStackConfig } from "../config/stackFile";
import { resumeMarkedQueues, MarkedResume } from "../drill/queues";
import { CommandLine, runCommand } from "../lib/exec";
import { redact } from "../lib/redact";
import type { Notice } from "../notify/message";
import { describeDeliveries, sendNotice } from "../notify/notifier";
import { credentialsFromEnv } from "./notify";

/** Reads the stack's Redis URL (a secret) from Pulumi: printed on stdout only, never logged. */
export function redisUrlCommand(stack: string): CommandLine {
  return { command: "pulumi", args: ["config", "get", "redisUrl", "--stack", stack] };
}

export function resumeNotice(stack: string, outcome: MarkedResume | { error: string }, link?: string): Notice {
  const see = link ? [`Run: ${link}`] : [];
  if ("error" in outcome)
    return {
      kind: "drillResult",
      subject: `QR drill on ${stack} did not finish and its queues could NOT be resumed`,
      lines: [
        `drill:resume failed: ${outcome.error}`,
        "Resume the outbound queues in the worker dashboard now; outbound automation is stopped until then.",
        ...see,
      ],
    };
  const resumed = Object.entries(outcome.resumed).map(([queue, runId]) => `${queue} (paused by drill run ${runId})`);
  return {
    kind: "drillResult",
    subject:
      resumed.length > 0
        ? `QR drill on ${stack} did not finish: outbound queues resumed (${Object.keys(outcome.resumed).join(", ")})`
        : `QR drill on ${stack} did not finish: no queue was left paused by it`,
    lines: [
      `Resumed: ${resumed.join(", ") || "none"}.`,
      `Left paused (paused before the drill, not by it): ${outcome.leftPaused.join(", ") || "none"}.`,
      "The drill's sessions were not all checked: read the run's log, then drill again (pulumi up -s drill with a new drill.runId).",
      ...see,
    ],
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { stack: { type: "string" }, "stack-dir": { type: "string" }, link: { type: "string" } },
  });
  if (!values.stack) throw new UsageError("--stack is required (the drill's Pulumi stack, e.g. --stack drill)");
  const stack = values.stack;
  const spec1 = readStackConfig(stack, values["stack-dir"]);
  const drill = parseDrillConfig(spec1.drill, new Date());
  const redisUrl =
    env.SPEC1_REDIS_URL || (await runCommand(redisUrlCommand(stack), { what: "pulumi config get redisUrl", timeoutMs: 60_000 })).trim();
  const target = { redisUrl, prefix: drill.queuePrefix, timeoutMs: drill.requestTimeoutMs };
  let outcome: MarkedResume | { error: string };
  try {
    outcome = await resumeMarkedQueues(target, drill.queues);
    say(
      `drill:resume: resumed ${Object.keys(outcome.resumed).join(", ") || "nothing"}; left paused ${outcome.leftPaused.join(", ") || "none"}`,
    );
  } catch (err) {
    outcome = { error: redact((err as Error).message, [redisUrl]) };
    say(`drill:resume: FAILED: ${outcome.error}`);
  }
  const notify = parseNotifyConfig(spec1.notify);
  const deliveries = await sendNotice(notify, credentialsFromEnv(env), resumeNotice(stack, outcome, values.link), [redisUrl]);
  say(`drill:resume: notice ${describeDeliveries(deliveries)}`);
  return "error" in outcome ? 1 : 0;
}

class UsageError extends Error {}

if (require.main === module) {
  main(process.argv.slice(2), process.env, (line) => process.stderr.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`drill:resume: ${redact((err as Error).message, [process.env.SPEC1_REDIS_URL])}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
