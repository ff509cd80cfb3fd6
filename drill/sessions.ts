/**
 * Which sessions the drill touches: the configured list, or the sessions the gateway lists. Discovery
 * runs while the program runs — in `pulumi preview` too, so the preview names the sessions — and is a
 * single read-only `GET /sessions`: nothing is connected, paused or sent before `pulumi up`. The
 * gateway's list is held to the config's rules (config/drill.ts `nameProblem`): each id becomes part of
 * a resource name and a URL path, so a malformed one is refused with one clear error, never a TypeError.
 */
import { nameProblem } from "../config/drill";
import { excerpt } from "../lib/http";
import { listSessions } from "../lib/gateway";

/** The ids of a `GET /sessions` answer, or why it is not a usable list. */
export function sessionIds(answer: unknown): { ids: string[] } | { problem: string } {
  if (!Array.isArray(answer)) return { problem: `is not a list of sessions: ${excerpt(JSON.stringify(answer) ?? String(answer), 120)}` };
  const ids: string[] = [];
  for (const [i, entry] of answer.entries()) {
    const id = entry && typeof entry === "object" ? (entry as { id?: unknown }).id : undefined;
    if (typeof id !== "string")
      return { problem: `entry ${i} has no string "id": ${excerpt(JSON.stringify(entry) ?? String(entry), 120)}` };
    const problem = nameProblem(id);
    if (problem) return { problem: `entry ${i}: ${problem}` };
    if (ids.includes(id)) return { problem: `lists ${JSON.stringify(id)} twice` };
    ids.push(id);
  }
  return { ids };
}

export async function drillSessions(
  configured: readonly string[] | undefined,
  gateway: { url: string; token: string; timeoutMs: number },
): Promise<string[]> {
  if (configured) return [...configured];
  const answer: unknown = await listSessions(gateway.url, { token: gateway.token || undefined, timeoutMs: gateway.timeoutMs }).catch(
    (err: Error) => {
      throw new Error(
        `drill.sessions is not set and the gateway's session list could not be read (${err.message}); set drill.sessions or make ${gateway.url}/sessions reachable`,
      );
    },
  );
  const list = sessionIds(answer);
  if ("problem" in list)
    throw new Error(
      `drill.sessions is not set and ${gateway.url}/sessions ${list.problem}; set drill.sessions to the sessions to drill (expected [{"id": "sales-1", "status": "open"}, …])`,
    );
  if (list.ids.length === 0) throw new Error(`drill.sessions is not set and ${gateway.url}/sessions lists no session; set drill.sessions`);
  return list.ids;
}
