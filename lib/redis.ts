/**
 * The product's Redis, as this project reaches it: one label that never shows the password, one bounded
 * client for the checks and the drill, and the connection options a long-lived BullMQ worker needs.
 */
import type { ConnectionOptions } from "bullmq";
import type { Redis } from "ioredis";

/** Host, port and db of a Redis URL, never its password: for every message. */
export function redisLabel(url: string): string {
  try {
    const u = new URL(url);
    return `redis at ${u.hostname}:${u.port || "6379"}${u.pathname && u.pathname !== "/" ? u.pathname : ""}`;
  } catch {
    return "redis (unparseable URL)";
  }
}

/**
 * A connected client that gives up: bounded connect (two quick retries), every command bounded too
 * (connectTimeout ends at the TCP handshake, so a server that accepts and never answers would hang every
 * command), and a socket that never connected does not keep the process alive 2 s more.
 */
export async function connectRedis(url: string, timeoutMs: number): Promise<Redis> {
  const IORedis = require("ioredis") as typeof import("ioredis").default;
  let lastError = "";
  const client = new IORedis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    disconnectTimeout: 200,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => (times > 2 ? null : 200),
  });
  client.on("error", (err: Error & { code?: string }) => (lastError = err.code ?? err.message));
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new Error(`${redisLabel(url)}: cannot connect: ${lastError || (err as Error).message}`);
  }
  return client;
}

/** Options for a BullMQ Worker's own connection: it reconnects for as long as it runs (BullMQ requires `maxRetriesPerRequest: null`). */
export function workerConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}
