/**
 * The runbook's verification: a test message sent through the gateway must show up in the chat console.
 * The text carries the run id and a random marker, so the confirmation finds this very message and not
 * last week's. The console's recent messages come from a configured API endpoint (JSON: a list, or an
 * object with a `messages` list); a message matches when any of its fields contains the marker.
 */
import { sendMessage } from "../lib/gateway";
import { describeFetchError, excerpt, httpRequest } from "../lib/http";
import { pollUntil } from "../lib/poll";

export interface TestMessageSettings {
  readonly gatewayUrl: string;
  readonly chatId: string;
  readonly text: string;
  readonly confirmUrl: string;
  readonly confirmTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

export interface TestMessageReport {
  readonly ok: boolean;
  readonly session?: string;
  readonly chatId: string;
  readonly text?: string;
  readonly messageId?: string;
  readonly detail: string;
  readonly ms: number;
}

/** The session that sends: the configured one, else the first drilled session that opened. */
export function pickSender(configured: string | undefined, opened: readonly string[]): string | undefined {
  if (configured !== undefined) return opened.includes(configured) ? configured : undefined;
  return opened[0];
}

export function recentMessageList(body: string): unknown[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) return parsed;
  const messages = (parsed as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? messages : undefined;
}

export async function sendAndConfirm(
  s: TestMessageSettings,
  session: string,
  token: string | undefined,
  runId: string,
  log: (line: string) => void,
): Promise<TestMessageReport> {
  const started = Date.now();
  const marker = `${runId}/${require("crypto").randomBytes(3).toString("hex")}`;
  const text = `${s.text} [drill ${marker}]`;
  const base = { session, chatId: s.chatId, text };
  let messageId: string;
  try {
    messageId = (await sendMessage(s.gatewayUrl, session, { to: s.chatId, text }, { token, timeoutMs: s.requestTimeoutMs })).id;
  } catch (err) {
    return { ...base, ok: false, detail: `send failed: ${(err as Error).message}`, ms: Date.now() - started };
  }
  log(`test message ${messageId} sent by ${session} to ${s.chatId}; waiting for it in the chat console`);
  try {
    await pollUntil(
      async () => {
        try {
          const res = await httpRequest(s.confirmUrl, { timeoutMs: s.requestTimeoutMs });
          const list = res.status === 200 ? recentMessageList(res.body) : undefined;
          if (!list) return { done: false, seen: `HTTP ${res.status}: ${excerpt(res.body, 120)}` };
          if (list.some((m) => JSON.stringify(m).includes(marker))) return { done: true, value: undefined };
          return { done: false, seen: `${list.length} recent message(s), none with marker ${marker}` };
        } catch (err) {
          return { done: false, seen: describeFetchError(err, s.requestTimeoutMs) };
        }
      },
      { what: "test message in the chat console", deadlineMs: s.confirmTimeoutMs, intervalMs: Math.min(1000, s.confirmTimeoutMs / 4) },
    );
  } catch (err) {
    return {
      ...base,
      ok: false,
      messageId,
      detail: `sent as ${messageId}, never reached the console: ${(err as Error).message}`,
      ms: Date.now() - started,
    };
  }
  return { ...base, ok: true, messageId, detail: `sent as ${messageId} and seen in the chat console`, ms: Date.now() - started };
}
