/**
 * Which sessions the drill touches: the configured list, or the sessions the gateway lists. Discovery
 * runs while the program runs — in `pulumi preview` too, so the preview names the sessions — and is a
 * single read-only `GET /sessions`: nothing is connected, paused or sent before `pulumi up`.
 */
import { listSessions } from "../lib/gateway";

export async function drillSessions(
  configured: readonly string[] | undefined,
  gateway: { url: string; token: string; timeoutMs: number },
): Promise<string[]> {
  if (configured) return [...configured];
  const sessions = await listSessions(gateway.url, { token: gateway.token || undefined, timeoutMs: gateway.timeoutMs }).catch(
    (err: Error) => {
      throw new Error(
        `drill.sessions is not set and the gateway's session list could not be read (${err.message}); set drill.sessions or make ${gateway.url}/sessions reachable`,
      );
    },
  );
  if (sessions.length === 0) throw new Error(`drill.sessions is not set and ${gateway.url}/sessions lists no session; set drill.sessions`);
  return sessions.map((s) => s.id);
}
