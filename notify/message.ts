/**
 * A notice as people read it: a subject, a few lines and an optional block (log lines, check output).
 * The same text goes to the chat webhook and to e-mail, after every known secret is redacted from it.
 */
import type { NoticeKind } from "../config/notify";

export interface Notice {
  readonly kind: NoticeKind;
  readonly subject: string;
  readonly lines: readonly string[];
  /** Verbatim text shown as a code block: gateway log lines, check output. */
  readonly block?: string;
}

export const REDACTED = "[redacted]";

/** Replaces every occurrence of each secret (and its URL-encoded form) with [redacted]. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(REDACTED);
  }
  return out;
}

export function noticeText(notice: Notice): string {
  const parts = [...notice.lines];
  if (notice.block) parts.push("", "```", notice.block.replace(/\n$/, ""), "```");
  return parts.join("\n");
}

/** Slack's incoming-webhook body; Mattermost, Rocket.Chat and Teams' Slack-compatible hooks accept it too. */
export function webhookPayload(notice: Notice): { text: string } {
  return { text: `*${notice.subject}*\n${noticeText(notice)}` };
}
