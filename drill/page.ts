/**
 * The drill page: while a session waits for its scan, one page on a loopback address shows the session,
 * attempt n of N, the time left, the current QR as an image and the status, and updates itself through
 * server-sent events on every new QR, on `open` and on failure. Pulumi's progress row shows only a message's
 * first line (pulumi/pulumi pkg/backend/display/rows.go, getInfoColumn), so the log carries one line with the
 * page's address and the QR art only reaches the terminal with `pulumi up --diff`.
 *
 * Only `/<token>/` and `/<token>/events` answer, the token a per-page randomBytes(16); everything else is a
 * 404. SSE clients are capped; the server is unref'd and close() ends every connection at once, so the page
 * never holds the drill open.
 */
import { randomBytes } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import type { DrillPageConfig } from "../config/drill";
import type { ReloginView } from "./relogin";

/** SSE clients at once: an operator's browser or two; more is a loop or a scan, refused with 503. */
export const MAX_PAGE_CLIENTS = 8;

export interface DrillPage {
  /** The page's address, ending in `/`. */
  readonly url: string;
  readonly port: number;
  /** Shows `view` to every open page (a new QR, open, failure). */
  show(view: ReloginView): void;
  close(): Promise<void>;
}

/** The one log line: the address, and how to reach it from another machine. */
export function pageLogLine(session: string, page: DrillPage, host: string): string {
  return `session ${session}: drill page ${page.url} (live QR; from your machine: ssh -L ${page.port}:${host}:${page.port} <runner>, then open the same address)`;
}

export async function openDrillPage(config: DrillPageConfig, first: ReloginView): Promise<DrillPage> {
  const qrcode = require("qrcode");
  const token = randomBytes(16).toString("hex");
  const clients = new Set<http.ServerResponse>();
  let state = JSON.stringify(await payload(qrcode, first));
  let version = 0;

  const server = http.createServer((req, res) => {
    const base = `/${token}/`;
    const headers = { "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff" };
    if (req.method === "GET" && req.url === base) {
      const nonce = randomBytes(12).toString("base64");
      res.writeHead(200, {
        ...headers,
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": `default-src 'none'; img-src data:; style-src 'unsafe-inline'; connect-src 'self'; script-src 'nonce-${nonce}'`,
      });
      res.end(pageHtml(nonce));
      return;
    }
    if (req.method === "GET" && req.url === `${base}events`) {
      if (clients.size >= MAX_PAGE_CLIENTS) {
        res.writeHead(503, headers).end("too many open pages\n");
        return;
      }
      res.writeHead(200, { ...headers, "content-type": "text/event-stream" });
      res.write(`data: ${state}\n\n`);
      clients.add(res);
      req.socket.unref();
      res.on("close", () => clients.delete(res));
      return;
    }
    res.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found\n");
  });
  server.on("connection", (socket) => socket.unref());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  server.unref();
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = config.host.includes(":") ? `[${config.host}]` : config.host;

  return {
    url: `http://${hostInUrl}:${port}/${token}/`,
    port,
    show(view) {
      // Rendering is async; a later view must never be overwritten by an earlier one that finished last.
      const mine = ++version;
      void payload(qrcode, view).then(
        (p) => {
          if (mine !== version) return;
          state = JSON.stringify(p);
          for (const c of clients) c.write(`data: ${state}\n\n`);
        },
        () => undefined,
      );
    },
    async close() {
      for (const c of clients) c.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Payload extends Omit<ReloginView, "qr" | "deadline"> {
  /** The QR as a PNG data URL. */
  readonly image?: string;
  /** Time left when sent: the browser counts down from its own clock, which may differ from the runner's. */
  readonly leftMs?: number;
}

async function payload(qrcode: any, v: ReloginView): Promise<Payload> {
  const { qr, deadline, ...rest } = v;
  const image = v.status === "scan" && qr ? await qrcode.toDataURL(qr, { errorCorrectionLevel: "L", margin: 4, scale: 8 }) : undefined;
  return { ...rest, ...(image ? { image } : {}), ...(deadline !== undefined ? { leftMs: Math.max(0, deadline - Date.now()) } : {}) };
}

function pageHtml(nonce: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>SPEC-1 QR drill</title>
<style>body{font:16px system-ui,sans-serif;margin:2em}#qr{width:320px;height:320px;image-rendering:pixelated;display:block}
.open{color:#070}.failed{color:#a00}</style></head>
<body><h1>QR drill: session <span id="session"></span></h1>
<p>Attempt <span id="attempt"></span> of <span id="max"></span>, QR <span id="qrn"></span> · time left <span id="left"></span></p>
<p id="status"></p><img id="qr" alt="QR code">
<p>Scan with the dedicated device: WhatsApp › Linked devices › Link a device.</p>
<script nonce="${nonce}">
const $ = (id) => document.getElementById(id);
let until = 0;
const TEXT = { "waiting-for-qr": "waiting for the gateway's QR", scan: "scan this QR now", open: "linked: session open", failed: "FAILED", retrying: "attempt failed, trying again" };
function tick() { $("left").textContent = until ? Math.max(0, Math.round((until - Date.now()) / 1000)) + " s" : "-"; }
setInterval(tick, 500);
const events = new EventSource("events");
events.onmessage = (m) => {
  const v = JSON.parse(m.data);
  $("session").textContent = v.session; $("attempt").textContent = v.attempt; $("max").textContent = v.maxAttempts;
  $("qrn").textContent = v.qrNumber;
  $("status").textContent = (TEXT[v.status] || v.status) + (v.status === "scan" ? "" : " — " + v.detail);
  $("status").className = v.status;
  document.body.dataset.status = v.status;
  until = v.leftMs === undefined || v.status === "open" || v.status === "failed" ? 0 : Date.now() + v.leftMs;
  const img = $("qr");
  if (v.image) { img.src = v.image; img.style.visibility = "visible"; } else { img.removeAttribute("src"); img.style.visibility = "hidden"; }
  tick();
};
</script></body></html>
`;
}
