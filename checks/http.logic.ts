/** Pass/fail of one answer from the api's health route or the web console. */
import { excerpt, HttpResult } from "../lib/http";

export type Judgement = { pass: true } | { pass: false; seen: string };

/** The runbook: `/api/health` answers `{ status: 'ok' }`. */
export function judgeHealth(res: HttpResult): Judgement {
  if (res.status !== 200) return { pass: false, seen: `HTTP ${res.status}: ${excerpt(res.body)}` };
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return { pass: false, seen: `HTTP 200 but the body is not JSON: ${excerpt(res.body)}` };
  }
  const status = (body as { status?: unknown } | null)?.status;
  if (status !== "ok") return { pass: false, seen: `HTTP 200 but status is ${JSON.stringify(status)}, not "ok": ${excerpt(res.body)}` };
  return { pass: true };
}

/** The web console loads: 200 with an HTML page (not an error page in JSON, not a proxy's empty 200). */
export function judgeWebConsole(res: HttpResult): Judgement {
  if (res.status !== 200) return { pass: false, seen: `HTTP ${res.status}: ${excerpt(res.body)}` };
  const html = /text\/html/i.test(res.contentType) && /<html[\s>]|<!doctype html/i.test(res.body);
  if (!html)
    return { pass: false, seen: `HTTP 200 but not an HTML page (content-type ${res.contentType || "none"}): ${excerpt(res.body)}` };
  return { pass: true };
}
