/**
 * Outbound automation off and on again: BullMQ `queue.pause()` / `resume()`, exactly what the worker
 * dashboard's pause button does. A marker key records which queues the drill paused, so a drill killed
 * before it could resume (SIGKILL, power loss) is recognised by the next one instead of being taken for
 * an operator's deliberate pause. Pausing never moves or copies jobs: nothing is lost or duplicated.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { connectRedis } from "../lib/redis";

export interface PauseResult {
  /** Paused by this drill: resumed at its end. */
  readonly pausedByDrill: string[];
  /** Paused by someone before the drill: left paused, and reported. */
  readonly alreadyPaused: string[];
  /** Left paused by an earlier drill that never resumed: taken over and resumed at this drill's end. */
  readonly leftoverFrom: Record<string, string>;
}

export interface QueueTarget {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly timeoutMs: number;
}

export function markerKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:spec1-drill-paused`;
}

async function withQueues<T>(
  target: QueueTarget,
  names: readonly string[],
  use: (queues: Map<string, Queue>, redis: Redis) => Promise<T>,
): Promise<T> {
  const { Queue: BullQueue } = require("bullmq") as typeof import("bullmq");
  // Every command bounded: a Redis that accepts and never answers must not hold the queues paused forever.
  const redis = await connectRedis(target.redisUrl, target.timeoutMs);
  const queues = new Map<string, Queue>();
  try {
    for (const name of names) queues.set(name, new BullQueue(name, { connection: redis, prefix: target.prefix }));
    return await use(queues, redis);
  } finally {
    await Promise.allSettled([...queues.values()].map((q) => q.close()));
    redis.disconnect();
  }
}

/** Pauses each queue not already paused. If one fails, the ones it paused are resumed before it throws. */
export async function pauseQueues(target: QueueTarget, names: readonly string[], runId: string): Promise<PauseResult> {
  return withQueues(target, names, async (queues, redis) => {
    const result: PauseResult = { pausedByDrill: [], alreadyPaused: [], leftoverFrom: {} };
    try {
      for (const [name, queue] of queues) {
        const marker = await redis.get(markerKey(target.prefix, name));
        if (await queue.isPaused()) {
          if (marker) (result.pausedByDrill.push(name), (result.leftoverFrom[name] = marker));
          else result.alreadyPaused.push(name);
          continue;
        }
        // Marker first: if the process dies between the two, the next drill resumes a queue that was running.
        await redis.set(markerKey(target.prefix, name), runId);
        await queue.pause();
        result.pausedByDrill.push(name);
      }
      return result;
    } catch (err) {
      await resumeWith(queues, redis, target.prefix, result.pausedByDrill);
      throw err;
    }
  });
}

/** Resumes exactly the given queues and clears their markers; returns the ones resumed. */
export async function resumeQueues(target: QueueTarget, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  return withQueues(target, names, (queues, redis) => resumeWith(queues, redis, target.prefix, names));
}

async function resumeWith(queues: Map<string, Queue>, redis: Redis, prefix: string, names: readonly string[]): Promise<string[]> {
  const failures: string[] = [];
  for (const name of names) {
    try {
      await queues.get(name)!.resume();
      await redis.del(markerKey(prefix, name));
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not resume ${failures.join("; ")}`);
  return [...names];
}

/** Read-only: which of the queues are paused now (for reports and tests). */
export async function pausedQueues(target: QueueTarget, names: readonly string[]): Promise<string[]> {
  return withQueues(target, names, async (queues) => {
    const paused: string[] = [];
    for (const [name, queue] of queues) if (await queue.isPaused()) paused.push(name);
    return paused;
  });
}

export interface MarkedResume {
  /** Queue → the run id of the drill that paused it: resumed now, marker cleared. */
  readonly resumed: Record<string, string>;
  /** Paused without a drill's marker (an operator's pause): left paused. */
  readonly leftPaused: string[];
}

/**
 * After a drill that could not resume (cancelled job, SIGKILL): resumes exactly the queues that carry a
 * drill's marker and clears it; a queue paused without one is someone's deliberate pause and stays.
 */
export async function resumeMarkedQueues(target: QueueTarget, names: readonly string[]): Promise<MarkedResume> {
  return withQueues(target, names, async (queues, redis) => {
    const resumed: Record<string, string> = {};
    const leftPaused: string[] = [];
    for (const [name, queue] of queues) {
      const marker = await redis.get(markerKey(target.prefix, name));
      if (marker) resumed[name] = marker;
      else if (await queue.isPaused()) leftPaused.push(name);
    }
    await resumeWith(queues, redis, target.prefix, Object.keys(resumed));
    return { resumed, leftPaused };
  });
}
