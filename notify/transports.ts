/**
 * The two transports. Each is bounded by `timeoutMs` and returns a one-line outcome instead of throwing,
 * so one broken transport never hides the other; the outcome never contains the webhook URL.
 */
import { HttpCallError, requestOk } from "../lib/http";
import type { SmtpSettings } from "../config/notify";

export interface Delivery {
  readonly transport: "webhook" | "email";
  readonly ok: boolean;
  readonly detail: string;
}

export async function postWebhook(url: string, body: unknown, timeoutMs: number): Promise<Delivery> {
  try {
    const res = await requestOk("webhook", url, { method: "POST", json: body, timeoutMs, excerptChars: 120 });
    return { transport: "webhook", ok: true, detail: `HTTP ${res.status}` };
  } catch (err) {
    return { transport: "webhook", ok: false, detail: (err as HttpCallError).detail };
  }
}

export interface Mail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

export async function sendMail(
  smtp: SmtpSettings,
  auth: { user?: string; pass?: string },
  mail: Mail,
  timeoutMs: number,
): Promise<Delivery> {
  const nodemailer = require("nodemailer");
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    auth: auth.user ? { user: auth.user, pass: auth.pass ?? "" } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  // The three timeouts above are per step and socketTimeout is an idle timeout: a server trickling its replies a
  // byte at a time held a 1 s send for 13.5 s. The signal (nodemailer's own, README "signal") bounds the whole send.
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const info = await transport.sendMail({ from: smtp.from, to: mail.to.join(", "), subject: mail.subject, text: mail.text, signal });
    return { transport: "email", ok: true, detail: `accepted by ${smtp.host}:${smtp.port} for ${(info.accepted as string[]).join(", ")}` };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (signal.aborted)
      return { transport: "email", ok: false, detail: `${smtp.host}:${smtp.port}: no complete exchange within ${timeoutMs}ms` };
    return { transport: "email", ok: false, detail: `${smtp.host}:${smtp.port}: ${e.code ?? ""} ${e.message ?? String(err)}`.trim() };
  } finally {
    transport.close();
  }
}
