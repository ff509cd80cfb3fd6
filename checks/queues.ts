/**
 * Post-deploy check: the worker drains its BullMQ queues (runbook: "review worker logs for queue
 * draining"). Reads counts only: it never takes, pauses or changes a job.
 */
import type { Queue } from "bullmq";
import { pollUntil } from "../lib/poll";
import type { QueuesConfig } from "../config/checks";
import type { Log } from "../lib/log";
import { connectRedis, redisLabel } from "../lib/redis";
import { judgeQueue, overall, QueueSample, QueueVerdict } from "./queues.logic";

export type QueuesInputs = QueuesConfig & {
  /** Secret: the product's Redis URL with its password. */
  readonly redisUrl: string;
};

async function sample(queue: Queue, since: number, maxFailed: number): Promise<QueueSample> {
  const counts = await queue.getJobCounts("waiting", "prioritized", "active", "delayed");
  // Newest first: maxFailed + 1 jobs are enough to tell whether the threshold is crossed.
  const failed = (await queue.getFailed(0, maxFailed)).filter((job) => (job.finishedOn ?? 0) >= since);
  return {
    at: Date.now(),
    paused: await queue.isPaused(),
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failedSinceStart: failed.length,
    lastFailure: failed[0]?.failedReason,
  };
}

export async function runQueues(inputs: QueuesInputs, log: Log): Promise<Record<string, unknown>> {
  const { Queue } = require("bullmq") as typeof import("bullmq");
  const start = Date.now();
  const client = await connectRedis(inputs.redisUrl, inputs.connectTimeoutMs);
  const queues = inputs.names.map((name) => new Queue(name, { connection: client, prefix: inputs.prefix }));
  const samples: QueueSample[][] = inputs.names.map(() => []);
  let verdicts: QueueVerdict[] = [];
  const judgeAll = (final: boolean) => inputs.names.map((name, i) => judgeQueue(name, samples[i], inputs.maxFailed, final));
  try {
    await pollUntil<void>(
      async () => {
        for (const [i, queue] of queues.entries()) samples[i].push(await sample(queue, start, inputs.maxFailed));
        verdicts = judgeAll(false);
        const { done } = overall(verdicts);
        return done ? { done: true, value: undefined } : { done: false, seen: verdicts.map((v) => v.message).join("; ") };
      },
      {
        what: "queues",
        deadlineMs: inputs.deadlineMs,
        intervalMs: inputs.intervalMs,
        onAttempt: (n, seen) => log.info(`sample ${n}: ${seen}`),
      },
    ).catch((err) => {
      // The deadline is when "keeps falling" is judged; anything else is a real error.
      if ((err as Error).name !== "DeadlineError") throw err;
      verdicts = judgeAll(true);
    });
  } catch (err) {
    throw new Error(`queues on ${redisLabel(inputs.redisUrl)}: ${(err as Error).message}`);
  } finally {
    await Promise.allSettled(queues.map((q) => q.close()));
    client.disconnect();
  }
  const result = Object.fromEntries(
    verdicts.map((v, i) => [
      v.queue,
      { state: v.state, first: samples[i][0], last: samples[i][samples[i].length - 1], samples: samples[i].length },
    ]),
  );
  if (!overall(verdicts).pass) {
    const failing = verdicts.filter((v) => v.state !== "drained" && v.state !== "falling");
    throw new Error(
      `queues on ${redisLabel(inputs.redisUrl)}, after ${((Date.now() - start) / 1000).toFixed(1)}s: ${failing.map((v) => v.message).join("; ")}`,
    );
  }
  return { queues: result, elapsedMs: Date.now() - start };
}
