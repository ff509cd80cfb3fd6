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

export function noticeText(notice: Notice): string {
  const parts = [...notice.lines];
  if (notice.block) parts.push("", "```", notice.block.replace(/\n$/, ""), "```");
  return parts.join("\n");
}

/** Slack's incoming-webhook body; Mattermost, Rocket.Chat and Teams' Slack-compatible hooks accept it too. */
export function webhookPayload(notice: Notice): { text: string } {
  return { text: `*${notice.subject}*\n${noticeText(notice)}` };
}
