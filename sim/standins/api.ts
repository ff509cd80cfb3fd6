/**
 * A stand-in for SPEC-1's api (`GET /api/health`) and web console (`GET /`) on a random 127.0.0.1 port,
 * with switches for the ways they fail after a bad deploy. Used by tests, the rehearsal and the benchmark.
 * Given the stand-in gateway, it also lists the chat console's recent messages (`GET /api/messages/recent`):
 * what the QR drill polls to confirm its test message arrived.
 */
import * as http from "http";
import { AddressInfo } from "net";
import type { SentMessage } from "./gateway";

export type HealthMode = "ok" | "degraded" | "invalid-json" | "503" | "hang";
export type WebMode = "ok" | "not-html" | "500" | "hang";
/** `lost`: messages sent through the gateway never reach the console's list. */
export type ConsoleMode = "ok" | "lost";

export interface ApiModes {
  readonly health: HealthMode;
  readonly web: WebMode;
  readonly console: ConsoleMode;
}

export interface ApiOptions {
  /** Source of the console's messages: the stand-in gateway's `sentMessages`. */
  readonly gateway?: { readonly sentMessages: readonly SentMessage[] };
}

export interface StandinApi {
  readonly url: string;
  readonly healthUrl: string;
  readonly webUrl: string;
  readonly recentMessagesUrl: string;
  readonly modes: ApiModes;
  set(modes: Partial<ApiModes>): void;
  /** Requests seen per path, e.g. to assert how often a check polled. */
  requests(path: string): number;
  stop(): Promise<void>;
}

const CONSOLE_HTML = '<!doctype html>\n<html><head><title>SPEC-1 console</title></head><body><div id="root"></div></body></html>\n';

export async function startApi(initial: Partial<ApiModes> = {}, opts: ApiOptions = {}): Promise<StandinApi> {
  let modes: ApiModes = { health: "ok", web: "ok", console: "ok", ...initial };
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (path === "/api/health") return health(modes.health, res);
    if (path === "/" || path === "/console") return web(modes.web, res);
    if (path === "/api/messages/recent") return recentMessages(modes.console, opts, res);
    res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    healthUrl: `${url}/api/health`,
    webUrl: `${url}/`,
    recentMessagesUrl: `${url}/api/messages/recent`,
    get modes() {
      return modes;
    },
    set: (next) => void (modes = { ...modes, ...next }),
    requests: (path) => counts.get(path) ?? 0,
    stop: async () => {
      // Hanging requests would keep close() waiting forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function health(mode: HealthMode, res: http.ServerResponse): void {
  if (mode === "hang") return;
  if (mode === "503") return void res.writeHead(503, { "content-type": "application/json" }).end('{"status":"unavailable"}');
  if (mode === "invalid-json") return void res.writeHead(200, { "content-type": "application/json" }).end("{status: ok");
  const body = JSON.stringify(mode === "ok" ? { status: "ok" } : { status: "degraded", checks: { redis: "down" } });
  res.writeHead(200, { "content-type": "application/json" }).end(body);
}

function web(mode: WebMode, res: http.ServerResponse): void {
  if (mode === "hang") return;
  if (mode === "500") return void res.writeHead(500, { "content-type": "text/plain" }).end("Internal Server Error");
  if (mode === "not-html") return void res.writeHead(200, { "content-type": "application/json" }).end('{"message":"api, not the console"}');
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(CONSOLE_HTML);
}

function recentMessages(mode: ConsoleMode, opts: ApiOptions, res: http.ServerResponse): void {
  const sent = mode === "lost" ? [] : (opts.gateway?.sentMessages ?? []).slice(-50);
  const messages = sent.map((m) => ({ id: m.id, sessionId: m.sessionId, chatId: m.to, text: m.text }));
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ messages }));
}
