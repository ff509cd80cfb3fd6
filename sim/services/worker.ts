/**
 * The product's worker, as far as the runbook can see it: BullMQ workers draining the given queues of
 * the local Redis, each job taking `jobMs`. The rehearsal runs it so "queues drained" is observed on
 * real queues; leaving it out is what a stuck worker looks like.
 */
import { Job, Queue, Worker } from "bullmq";
import { workerConnection } from "../../lib/redis";

export interface LocalWorkerOptions {
  /** redis://[:password@]host:port, as the product's REDIS_URL. */
  readonly redisUrl: string;
  readonly queues: readonly string[];
  /** Time each job takes. */
  readonly jobMs?: number;
}

export interface LocalWorker {
  /** Jobs completed so far, per queue. */
  processed(): Record<string, number>;
  stop(): Promise<void>;
}

export const WORKER_DEFAULTS = { jobMs: 5 } as const;

export async function startWorker(opts: LocalWorkerOptions): Promise<LocalWorker> {
  const jobMs = opts.jobMs ?? WORKER_DEFAULTS.jobMs;
  const counts: Record<string, number> = Object.fromEntries(opts.queues.map((q) => [q, 0]));
  const workers = opts.queues.map(
    (queue) =>
      new Worker(
        queue,
        async (_job: Job) => {
          await new Promise((resolve) => setTimeout(resolve, jobMs));
          counts[queue]++;
        },
        { connection: workerConnection(opts.redisUrl), concurrency: 4 },
      ),
  );
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    processed: () => ({ ...counts }),
    stop: async () => void (await Promise.all(workers.map((w) => w.close()))),
  };
}

/** A BullMQ queue of that Redis for the length of `use`, closed whatever happens. */
export async function withQueue<T>(redisUrl: string, name: string, use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(name, { connection: workerConnection(redisUrl) });
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

/** Adds `count` jobs to each queue: the backlog a rollback finds waiting. */
export async function enqueueBacklog(redisUrl: string, queues: readonly string[], count: number): Promise<void> {
  for (const name of queues) {
    await withQueue(redisUrl, name, (queue) =>
      queue.addBulk(Array.from({ length: count }, (_v, i) => ({ name: "rehearsal", data: { n: i } }))),
    );
  }
}
