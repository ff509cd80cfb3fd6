/**
 * Client side of docs/gateway-contract.md: the gateway's HTTP routes and a bounded wait on its WebSocket
 * event stream. Providers reach these functions serialized by value, so `ws` is required inside the
 * functions and nothing here keeps module-level state.
 */
import type { WebSocket as WsClient } from "ws";
import { GatewayEvent, toGatewayEvent } from "./gatewayEvents";
import { describeFetchError, HttpCallError, HttpResult, requestOk } from "./http";

export interface GatewayCallOptions {
  /** The gateway's bearer token, when it requires one. */
  readonly token?: string;
  readonly timeoutMs: number;
}

export function authHeaders(token?: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A gateway route that must answer 2xx, with the bearer token when there is one. */
export function gatewayCall(
  what: string,
  url: string,
  opts: GatewayCallOptions & { method?: string; json?: unknown },
): Promise<HttpResult> {
  return requestOk(what, url, { timeoutMs: opts.timeoutMs, method: opts.method, json: opts.json, headers: authHeaders(opts.token) });
}

/** `POST /sessions/:id/connect`: asks the gateway to (re)connect the session; its QR arrives on the WebSocket. */
export async function connectSession(httpUrl: string, sessionId: string, opts: GatewayCallOptions): Promise<void> {
  const url = `${httpUrl}/sessions/${encodeURIComponent(sessionId)}/connect`;
  await gatewayCall(`POST /sessions/${sessionId}/connect`, url, { ...opts, method: "POST" });
}

export interface SessionInfo {
  readonly id: string;
  readonly status: string;
}

export async function listSessions(httpUrl: string, opts: GatewayCallOptions): Promise<SessionInfo[]> {
  const res = await gatewayCall("GET /sessions", `${httpUrl}/sessions`, opts);
  return JSON.parse(res.body);
}

export async function sendMessage(
  httpUrl: string,
  sessionId: string,
  message: { to: string; text: string },
  opts: GatewayCallOptions,
): Promise<{ id: string; status: string }> {
  const url = `${httpUrl}/sessions/${encodeURIComponent(sessionId)}/messages`;
  const res = await gatewayCall(`POST /sessions/${sessionId}/messages`, url, { ...opts, method: "POST", json: message });
  return JSON.parse(res.body);
}

/**
 * The gateway's last `lines` log lines (`GET /logs?lines=N`; by hand: `docker logs --tail N spec1-baileys`).
 * Never throws: it is called while reporting another failure, which must not be masked.
 */
export async function fetchGatewayLogs(httpUrl: string, lines: number, opts: GatewayCallOptions): Promise<string> {
  try {
    const res = await gatewayCall(`GET /logs?lines=${lines}`, `${httpUrl}/logs?lines=${lines}`, opts);
    // A gateway that ignores `lines` does not get to fill the escalation notice.
    return res.body.trimEnd().split("\n").slice(-lines).join("\n");
  } catch (err) {
    return `(gateway logs unavailable: ${(err as Error).message}; run docker logs --tail ${lines} spec1-baileys)`;
  }
}

/** How a wait on the event stream ended. `seen` is every event received during the wait, in order. */
export type WaitOutcome =
  | { readonly outcome: "matched"; readonly event: GatewayEvent; readonly seen: GatewayEvent[] }
  | { readonly outcome: "timeout"; readonly seen: GatewayEvent[] }
  | { readonly outcome: "dropped"; readonly closeCode: number; readonly closeReason: string; readonly seen: GatewayEvent[] };

export interface EventStream {
  /** Every event received since the stream opened. */
  readonly events: GatewayEvent[];
  /** Waits for the first event, from those not yet consumed, that `match` accepts; bounded by `timeoutMs`. */
  waitFor(match: (event: GatewayEvent) => boolean, timeoutMs: number): Promise<WaitOutcome>;
  readonly closed: boolean;
  close(): void;
}

/** The largest WebSocket event read from the gateway. */
export const MAX_EVENT_BYTES = 1024 * 1024;
/** The most events one stream keeps: an attempt sees tens (a QR every ~20 s, a few statuses). */
export const MAX_EVENTS = 10_000;

/**
 * Opens the gateway's WebSocket; listen BEFORE asking for a connect, or the QR can be missed. Bounded end to
 * end by `timeoutMs`: `ws`'s handshakeTimeout is a socket idle timeout, which a peer answering the upgrade one
 * header byte at a time never lets fire, so a timer of our own terminates the socket at the deadline.
 */
export function openEventStream(wsUrl: string, opts: GatewayCallOptions): Promise<EventStream> {
  const { WebSocket } = require("ws") as typeof import("ws");
  const socket: WsClient = new WebSocket(wsUrl, {
    headers: authHeaders(opts.token),
    handshakeTimeout: opts.timeoutMs,
    // An event is a few hundred bytes (a QR ref is ~240); ws's default would buffer 100 MiB from a hostile peer.
    maxPayload: MAX_EVENT_BYTES,
  });
  return new Promise((resolve, reject) => {
    const fail = (status: number | undefined, detail: string) => {
      clearTimeout(deadline);
      socket.terminate();
      reject(new HttpCallError(`WebSocket ${wsUrl}`, status, detail));
    };
    const deadline = setTimeout(() => fail(undefined, `no answer within ${opts.timeoutMs}ms (upgrade not completed)`), opts.timeoutMs);
    socket.once("open", () => {
      clearTimeout(deadline);
      resolve(eventStream(socket));
    });
    socket.once("error", (err: Error) => fail(undefined, describeFetchError(err, opts.timeoutMs)));
    socket.on("error", () => undefined); // a terminate() after the first failure may emit another: already reported.
    socket.once("unexpected-response", (_req, res) => fail(res.statusCode, `HTTP ${res.statusCode} on upgrade`));
  });
}

function eventStream(socket: WsClient): EventStream {
  const events: GatewayEvent[] = [];
  let cursor = 0;
  let closed: { code: number; reason: string } | undefined;
  let wake: (() => void) | undefined;
  let error: string | undefined;
  socket.on("message", (data) => {
    if (events.length >= MAX_EVENTS) {
      // A peer flooding small events would otherwise grow this list until the deadline.
      error ??= `more than ${MAX_EVENTS} events on one stream: the gateway floods it`;
      return void socket.terminate();
    }
    events.push(toGatewayEvent(data));
    wake?.();
  });
  socket.on("close", (code, reason) => {
    closed = { code, reason: reason.toString() || (error ?? "") };
    wake?.();
  });
  // A "close" always follows, and is what the wait reports; ws's own reason (an oversized event: "Max payload
  // size exceeded") comes only with the error.
  socket.on("error", (err: Error) => (error ??= err.message));

  async function waitFor(match: (event: GatewayEvent) => boolean, timeoutMs: number): Promise<WaitOutcome> {
    const seen: GatewayEvent[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (cursor < events.length) {
        const event = events[cursor++];
        seen.push(event);
        if (match(event)) return { outcome: "matched", event, seen };
      }
      if (closed) return { outcome: "dropped", closeCode: closed.code, closeReason: closed.reason, seen };
      const left = deadline - Date.now();
      if (left <= 0) return { outcome: "timeout", seen };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => (clearTimeout(timer), resolve());
      });
      wake = undefined;
    }
  }

  return {
    events,
    waitFor,
    get closed() {
      return closed !== undefined;
    },
    close: () => socket.terminate(),
  };
}
