/**
 * A stand-in Baileys gateway serving docs/gateway-contract.md over real HTTP and a real WebSocket on
 * 127.0.0.1 (random ports), with switches for every failure mode the checks and the QR drill must
 * recognise. Used by tests, the rehearsal and the benchmark, so it lives here and not under test/.
 *
 *   const gw = await startGateway({ sessions: [{ id: "main", status: "open" }] });
 *   gw.set({ qrOnAttempt: 2, scanAfterMs: 50 });   // QR only from the 2nd connect; a device scans it
 *   ...; await gw.stop();
 */
import * as http from "http";
import { AddressInfo } from "net";
import { WebSocket, WebSocketServer } from "ws";
import { SessionStatus } from "../../lib/gatewayEvents";

export interface GatewayFaults {
  /** Delay before every HTTP answer (slow gateway). */
  readonly delayMs: number;
  /** Answer every route except /logs with this status (e.g. 503); null = normal answers. */
  readonly httpStatus: number | null;
  /** The connect attempt (per session, counting from 1) from which a QR is sent; null = never. */
  readonly qrOnAttempt: number | null;
  /** Delay between a connect request and its QR. */
  readonly qrDelayMs: number;
  /** After sending a QR, close the session with 408 "QR refs attempts ended" after this long; null = never. */
  readonly qrExpiresAfterMs: number | null;
  /** The scanning device: after QR number `scanQr` of a connect, the session turns `open` after this long; null = nobody scans. */
  readonly scanAfterMs: number | null;
  /** Which QR of a connect the device scans (1 = the first); earlier ones go unscanned, as when the operator is late. */
  readonly scanQr: number;
  /**
   * While the session waits, a new QR every this long; null = one QR per connect. Baileys sends a new `qr` in
   * `connection.update` about every 20 s after a first ~60 s one (WhiskeySockets/Baileys src/Socket/socket.ts,
   * the qr timer in the `CB:iq,,pair-device` handler).
   */
  readonly qrRotateMs: number | null;
  /** QRs per connect before the gateway closes the session with 408 "QR refs attempts ended", as Baileys does when its refs run out; null = never. */
  readonly qrRefs: number | null;
  /** After a connect request, drop every WebSocket client after this long; null = never. */
  readonly dropWebSocketAfterMs: number | null;
  /** Send the flat `{type:"qr"|"status"}` shape instead of Baileys' `connection.update`. */
  readonly flatEvents: boolean;
  /**
   * /metrics: `ok`; `missing` (the messages counter is absent); `malformed` (unparseable text);
   * `nan` (the failed counter is NaN); `reset` (every scrape after the first sees counters restarted at 0).
   */
  readonly metrics: "ok" | "missing" | "malformed" | "nan" | "reset";
  /** Background traffic counted into the counters, per minute. */
  readonly successPerMinute: number;
  readonly failedPerMinute: number;
  /** Status of POST /sessions/:id/messages for an open session (e.g. 500 for a send that fails). */
  readonly messageStatus: number;
  /** A connect on an `open` session reconnects with its stored credentials: `open` again, no QR. */
  readonly linkedReconnects: boolean;
}

export const GATEWAY_FAULTS_DEFAULTS: GatewayFaults = {
  delayMs: 0,
  httpStatus: null,
  qrOnAttempt: 1,
  qrDelayMs: 10,
  qrExpiresAfterMs: null,
  scanAfterMs: null,
  scanQr: 1,
  qrRotateMs: null,
  qrRefs: null,
  dropWebSocketAfterMs: null,
  flatEvents: false,
  metrics: "ok",
  successPerMinute: 0,
  failedPerMinute: 0,
  messageStatus: 201,
  linkedReconnects: false,
};

export interface GatewayOptions {
  readonly sessions?: readonly { id: string; status: SessionStatus }[];
  /** When set, every HTTP request and the WebSocket upgrade need `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Counter values at start: a gateway that has been running a while. */
  readonly startTotals?: { success: number; failed: number };
  readonly faults?: Partial<GatewayFaults>;
}

export interface SentMessage {
  readonly id: string;
  readonly sessionId: string;
  readonly to: string;
  readonly text: string;
}

export interface StandinGateway {
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly metricsUrl: string;
  readonly httpPort: number;
  readonly wsPort: number;
  /** Changes fault switches; unspecified ones keep their value. */
  set(faults: Partial<GatewayFaults>): void;
  /** Switches for one session's connects only (e.g. no QR for it while others work); `{}` removes them. */
  setFor(sessionId: string, faults: Partial<GatewayFaults>): void;
  readonly faults: GatewayFaults;
  /** Current status per session id. */
  readonly sessions: Map<string, SessionStatus>;
  readonly sentMessages: SentMessage[];
  /** Everything the gateway logged, oldest first (served by GET /logs). */
  readonly logLines: string[];
  log(line: string): void;
  connectAttempts(sessionId: string): number;
  /** The QR the session shows now (the latest sent while it waits), or undefined. */
  currentQr(sessionId: string): string | undefined;
  /** Counter values now (background traffic included). */
  counters(): { success: number; failed: number };
  /** Number of WebSocket clients connected now. */
  wsClients(): number;
  /** The gateway's container stops: both ports refuse connections (ECONNREFUSED), open WebSockets drop. */
  goDown(): Promise<void>;
  /** It is back on the same ports; resolves once both listen. */
  comeBack(): Promise<void>;
  stop(): Promise<void>;
}

export async function startGateway(opts: GatewayOptions = {}): Promise<StandinGateway> {
  return new Gateway(opts).start();
}

class Gateway implements StandinGateway {
  httpUrl = "";
  wsUrl = "";
  metricsUrl = "";
  httpPort = 0;
  wsPort = 0;
  faults: GatewayFaults;
  readonly sessions = new Map<string, SessionStatus>();
  readonly sentMessages: SentMessage[] = [];
  readonly logLines: string[] = [];
  private readonly attempts = new Map<string, number>();
  private readonly qrs = new Map<string, string>();
  private readonly sessionFaults = new Map<string, Partial<GatewayFaults>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly totals: { success: number; failed: number };
  private trafficSince = Date.now();
  private scrapes = 0;
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  /** The WebSocket's own HTTP server, so that it can stop listening and listen again on its port. */
  private readonly wsServer = http.createServer();
  private readonly wss: WebSocketServer;

  constructor(private readonly opts: GatewayOptions) {
    this.faults = { ...GATEWAY_FAULTS_DEFAULTS, ...opts.faults };
    this.totals = { ...(opts.startTotals ?? { success: 1000, failed: 10 }) };
    for (const s of opts.sessions ?? []) this.sessions.set(s.id, s.status);
    this.wss = new WebSocketServer({
      server: this.wsServer,
      verifyClient: (info: { req: http.IncomingMessage }) => this.authorized(info.req),
    });
  }

  async start(): Promise<this> {
    await listen(this.server, 0);
    await listen(this.wsServer, 0);
    this.httpPort = (this.server.address() as AddressInfo).port;
    this.wsPort = (this.wsServer.address() as AddressInfo).port;
    this.httpUrl = `http://127.0.0.1:${this.httpPort}`;
    this.wsUrl = `ws://127.0.0.1:${this.wsPort}`;
    this.metricsUrl = `${this.httpUrl}/metrics`;
    this.log(`gateway listening http=${this.httpPort} ws=${this.wsPort}`);
    return this;
  }

  setFor(sessionId: string, faults: Partial<GatewayFaults>): void {
    this.sessionFaults.set(sessionId, faults);
  }

  private faultsFor(sessionId: string): GatewayFaults {
    return { ...this.faults, ...this.sessionFaults.get(sessionId) };
  }

  set(faults: Partial<GatewayFaults>): void {
    // Traffic counted so far stays counted at the old rate.
    if (faults.successPerMinute !== undefined || faults.failedPerMinute !== undefined) this.accrue();
    if (faults.metrics !== undefined && faults.metrics !== this.faults.metrics) this.scrapes = 0;
    this.faults = { ...this.faults, ...faults };
  }

  log(line: string): void {
    this.logLines.push(`${new Date().toISOString()} ${line}`);
  }

  connectAttempts(sessionId: string): number {
    return this.attempts.get(sessionId) ?? 0;
  }

  currentQr(sessionId: string): string | undefined {
    return this.sessions.get(sessionId) === "connecting" ? this.qrs.get(sessionId) : undefined;
  }

  counters(): { success: number; failed: number } {
    this.accrue();
    return { success: Math.floor(this.totals.success), failed: Math.floor(this.totals.failed) };
  }

  wsClients(): number {
    return this.wss.clients.size;
  }

  async goDown(): Promise<void> {
    this.log("gateway stopping (down)");
    for (const client of this.wss.clients) client.terminate();
    await Promise.all([this.server, this.wsServer].map(close));
  }

  async comeBack(): Promise<void> {
    await Promise.all([listen(this.server, this.httpPort), listen(this.wsServer, this.wsPort)]);
    this.log(`gateway listening again http=${this.httpPort} ws=${this.wsPort}`);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await Promise.all([this.server, this.wsServer].filter((server) => server.listening).map(close));
  }

  private accrue(): void {
    const minutes = (Date.now() - this.trafficSince) / 60000;
    this.totals.success += this.faults.successPerMinute * minutes;
    this.totals.failed += this.faults.failedPerMinute * minutes;
    this.trafficSince = Date.now();
  }

  private authorized(req: http.IncomingMessage): boolean {
    return !this.opts.token || req.headers.authorization === `Bearer ${this.opts.token}`;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => (this.timers.delete(t), fn()), ms);
    this.timers.add(t);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", this.httpUrl);
    this.log(`http ${req.method} ${url.pathname}${url.search}`);
    if (this.faults.delayMs > 0) await new Promise<void>((resolve) => this.later(this.faults.delayMs, resolve));
    if (!this.authorized(req)) return send(res, 401, { error: "missing or wrong bearer token" });
    if (url.pathname === "/logs" && req.method === "GET") return this.serveLogs(url, res);
    if (this.faults.httpStatus !== null) return send(res, this.faults.httpStatus, { error: `stand-in fault ${this.faults.httpStatus}` });
    if (url.pathname === "/metrics" && req.method === "GET") return this.serveMetrics(res);
    if (url.pathname === "/sessions" && req.method === "GET") {
      return send(
        res,
        200,
        [...this.sessions].map(([id, status]) => ({ id, status })),
      );
    }
    const route = /^\/sessions\/([^/]+)\/(connect|messages)$/.exec(url.pathname);
    if (route && req.method === "POST") {
      const sessionId = decodeURIComponent(route[1]);
      return route[2] === "connect" ? this.connect(sessionId, res) : this.message(sessionId, body, res);
    }
    send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  }

  private serveLogs(url: URL, res: http.ServerResponse): void {
    const lines = Math.max(0, Number(url.searchParams.get("lines") ?? 200) || 0);
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    res.end(lines === 0 ? "" : this.logLines.slice(-lines).join("\n") + "\n");
  }

  private serveMetrics(res: http.ServerResponse): void {
    const mode = this.faults.metrics;
    this.scrapes++;
    if (mode === "reset" && this.scrapes > 1) {
      this.totals.success = 0;
      this.totals.failed = 0;
      this.trafficSince = Date.now();
    }
    const { success, failed } = this.counters();
    const lines = [
      "# HELP process_uptime_seconds Uptime.",
      "# TYPE process_uptime_seconds gauge",
      `process_uptime_seconds ${process.uptime().toFixed(1)}`,
    ];
    if (mode === "malformed") lines.push('baileys_messages_sent_total{status="success" 12');
    else if (mode !== "missing") {
      lines.push(
        "# HELP baileys_messages_sent_total Messages sent through the gateway.",
        "# TYPE baileys_messages_sent_total counter",
        `baileys_messages_sent_total{status="success"} ${success}`,
        `baileys_messages_sent_total{status="failed"} ${mode === "nan" ? "NaN" : failed}`,
      );
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(lines.join("\n") + "\n");
  }

  private connect(sessionId: string, res: http.ServerResponse): void {
    const attempt = this.connectAttempts(sessionId) + 1;
    this.attempts.set(sessionId, attempt);
    const f = this.faultsFor(sessionId);
    const linked = this.sessions.get(sessionId) === "open" && f.linkedReconnects;
    this.sessions.set(sessionId, "connecting");
    this.log(`session ${sessionId}: connect attempt ${attempt}`);
    send(res, 202, { sessionId, status: "connecting" });
    this.emitStatus(sessionId, "connecting");
    if (f.dropWebSocketAfterMs !== null) {
      this.later(f.dropWebSocketAfterMs, () => {
        this.log(`websocket: dropping ${this.wss.clients.size} client(s)`);
        for (const client of this.wss.clients) client.terminate();
      });
    }
    if (linked) {
      this.later(f.qrDelayMs, () => {
        this.sessions.set(sessionId, "open");
        this.log(`session ${sessionId}: reconnected with stored credentials, connection open`);
        this.emitStatus(sessionId, "open");
      });
      return;
    }
    if (f.qrOnAttempt === null || attempt < f.qrOnAttempt) {
      this.log(`session ${sessionId}: no QR generated (attempt ${attempt})`);
      return;
    }
    this.later(f.qrDelayMs, () => this.emitQr(sessionId, attempt, 1));
  }

  /** QR number `n` of connect `attempt`, then the next one after `qrRotateMs` while the session still waits on this connect. */
  private emitQr(sessionId: string, attempt: number, n: number): void {
    const f = this.faultsFor(sessionId);
    if (n > 1 && (this.sessions.get(sessionId) !== "connecting" || this.connectAttempts(sessionId) !== attempt)) return;
    if (f.qrRefs !== null && n > f.qrRefs) {
      this.sessions.set(sessionId, "close");
      this.log(`session ${sessionId}: QR refs attempts ended after ${f.qrRefs} QR(s)`);
      this.emitStatus(sessionId, "close", { statusCode: 408, message: "QR refs attempts ended" });
      return;
    }
    const qr = `2@standin-${sessionId}-${attempt}-${n}-${Date.now()},ref,key`;
    this.qrs.set(sessionId, qr);
    this.log(n === 1 ? `session ${sessionId}: QR generated` : `session ${sessionId}: QR ${n} generated`);
    this.broadcast(f.flatEvents ? { type: "qr", sessionId, qr } : { event: "connection.update", sessionId, qr });
    if (n === f.scanQr) this.settleLater(sessionId, f.scanAfterMs, "open", `QR ${n} scanned, connection open`);
    if (n === 1)
      this.settleLater(sessionId, f.qrExpiresAfterMs, "close", "QR refs attempts ended", {
        statusCode: 408,
        message: "QR refs attempts ended",
      });
    if (f.qrRotateMs !== null) this.later(f.qrRotateMs, () => this.emitQr(sessionId, attempt, n + 1));
  }

  /** After `ms` (null = never), a session still waiting on its QR turns `status`: the device scanned it, or it expired. */
  private settleLater(
    sessionId: string,
    ms: number | null,
    status: SessionStatus,
    logText: string,
    error?: { statusCode: number; message: string },
  ): void {
    if (ms === null) return;
    this.later(ms, () => {
      if (this.sessions.get(sessionId) !== "connecting") return;
      this.sessions.set(sessionId, status);
      this.log(`session ${sessionId}: ${logText}`);
      this.emitStatus(sessionId, status, error);
    });
  }

  private emitStatus(sessionId: string, status: SessionStatus, error?: { statusCode: number; message: string }): void {
    if (this.faults.flatEvents) {
      this.broadcast({ type: "status", sessionId, status, ...(error ? { statusCode: error.statusCode, message: error.message } : {}) });
      return;
    }
    const lastDisconnect = error ? { error: { message: error.message, output: { statusCode: error.statusCode } } } : undefined;
    this.broadcast({ event: "connection.update", sessionId, connection: status, ...(lastDisconnect ? { lastDisconnect } : {}) });
  }

  private message(sessionId: string, body: string, res: http.ServerResponse): void {
    let parsed: { to?: unknown; text?: unknown };
    try {
      parsed = JSON.parse(body);
    } catch {
      return send(res, 400, { error: "body is not JSON" });
    }
    if (typeof parsed.to !== "string" || typeof parsed.text !== "string") return send(res, 400, { error: "body needs {to, text} strings" });
    if (this.sessions.get(sessionId) !== "open") return send(res, 409, { error: `session ${sessionId} is not open` });
    this.accrue();
    if (this.faults.messageStatus >= 300) {
      this.totals.failed++;
      this.log(`session ${sessionId}: send to ${parsed.to} failed`);
      return send(res, this.faults.messageStatus, { error: "send failed" });
    }
    const id = `msg-${this.sentMessages.length + 1}`;
    this.sentMessages.push({ id, sessionId, to: parsed.to, text: parsed.text });
    this.totals.success++;
    this.log(`session ${sessionId}: sent ${id} to ${parsed.to}`);
    send(res, this.faults.messageStatus, { id, status: "sent" });
  }

  private broadcast(message: unknown): void {
    const text = JSON.stringify(message);
    for (const client of this.wss.clients) if (client.readyState === WebSocket.OPEN) client.send(text);
  }
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => (server.off("error", reject), resolve()));
  });
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}
