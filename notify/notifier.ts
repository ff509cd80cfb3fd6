/**
 * Sends a notice through every configured transport: the chat webhook (when its secret URL is set) and
 * e-mail to the contacts routed for the notice's kind (when SMTP is configured). Every secret it knows,
 * plus any the caller passes, is redacted from the text and from the delivery outcomes.
 */
import type { NotifyConfig } from "../config/notify";
import { redact } from "../lib/redact";
import { Notice, noticeText, webhookPayload } from "./message";
import { Delivery, postWebhook, sendMail } from "./transports";

/** Resolved transport secrets (inside a provider or the CLI, never in a message). */
export interface NotifyCredentials {
  readonly webhookUrl?: string;
  readonly smtpUsername?: string;
  readonly smtpPassword?: string;
}

export type { Delivery } from "./transports";

export function recipientsFor(config: NotifyConfig, notice: Pick<Notice, "kind">): string[] {
  return config.routes[notice.kind].map((name) => config.contacts[name]);
}

export async function sendNotice(
  config: NotifyConfig,
  credentials: NotifyCredentials,
  notice: Notice,
  alsoSecret: readonly (string | undefined)[] = [],
): Promise<Delivery[]> {
  const secrets = [credentials.webhookUrl, credentials.smtpUsername, credentials.smtpPassword, ...alsoSecret];
  const clean: Notice = {
    ...notice,
    subject: redact(notice.subject, secrets),
    lines: notice.lines.map((l) => redact(l, secrets)),
    block: notice.block === undefined ? undefined : redact(notice.block, secrets),
  };
  const sends: Promise<Delivery>[] = [];
  if (credentials.webhookUrl) sends.push(postWebhook(credentials.webhookUrl, webhookPayload(clean), config.timeoutMs));
  if (config.smtp) {
    const mail = { to: recipientsFor(config, clean), subject: `[SPEC-1] ${clean.subject}`, text: noticeText(clean) };
    sends.push(sendMail(config.smtp, { user: credentials.smtpUsername, pass: credentials.smtpPassword }, mail, config.timeoutMs));
  }
  const deliveries = await Promise.all(sends);
  return deliveries.map((d) => ({ ...d, detail: redact(d.detail, secrets) }));
}

/** One line per delivery, for logs and reports; "no transport configured" says so instead of staying silent. */
export function describeDeliveries(deliveries: readonly Delivery[]): string {
  if (deliveries.length === 0) return "no transport configured (set notify.smtp or the notifyWebhookUrl secret)";
  return deliveries.map((d) => `${d.transport} ${d.ok ? "sent" : "FAILED"} (${d.detail})`).join("; ");
}
