/**
 * Real receivers for notifications on loopback ports: a chat webhook (HTTP) and an SMTP server
 * (smtp-server, with AUTH), both recording what arrived so tests can read the exact content.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { SMTPServer } from "smtp-server";

export interface Received<T> {
  readonly items: T[];
  readonly url: string;
  close(): Promise<void>;
}

export interface WebhookCall {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly json: any;
}

/** Answers `status` (default 200) to every POST; records method, path, headers and body. */
export async function startWebhookReceiver(
  opts: { status?: number; delayMs?: number; respond?: (call: WebhookCall) => unknown } = {},
): Promise<Received<WebhookCall>> {
  const items: WebhookCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const call = { path: req.url ?? "", headers: req.headers, body, json };
      items.push(call);
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.writeHead(opts.status ?? 200, { "content-type": "application/json" });
        res.end(JSON.stringify(opts.respond?.(call) ?? { ok: true }));
      }, opts.delayMs ?? 0);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    items,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      timers.forEach(clearTimeout);
      return new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
    },
  };
}

export interface MailReceived {
  readonly from: string;
  readonly to: string[];
  readonly user?: string;
  readonly raw: string;
}

/** Plain SMTP (no STARTTLS) with AUTH PLAIN/LOGIN that accepts exactly `user`/`pass`. */
export async function startSmtpReceiver(auth: { user: string; pass: string }): Promise<Received<MailReceived> & { port: number }> {
  const items: MailReceived[] = [];
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(a, _session, cb) {
      if (a.username === auth.user && a.password === auth.pass) cb(null, { user: a.username });
      else cb(new Error("bad credentials"));
    },
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      stream.on("end", () => {
        items.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { items, port, url: `smtp://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The decoded text of a received mail (nodemailer sends quoted-printable for long or non-ASCII text). */
export function mailText(raw: string): string {
  const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  if (!/Content-Transfer-Encoding: quoted-printable/i.test(raw)) return body;
  return Buffer.from(
    body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");
}
