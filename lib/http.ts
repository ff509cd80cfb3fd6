/** Every network call has a timeout: these wrap Node's fetch with one and read the body as text. */
export interface HttpResult {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export async function httpRequest(
  url: string,
  opts: { timeoutMs: number; method?: string; json?: unknown; headers?: Record<string, string> },
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.json !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method: opts.method ?? "GET",
    headers,
    body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    signal: AbortSignal.timeout(opts.timeoutMs),
  });
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
}

/** A short, single-line excerpt of a body for reports and error messages. */
export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Describes a failed request the way an operator needs it: timeout vs refused vs other. */
export function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `no answer within ${timeoutMs}ms`;
  if (e?.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ""}`;
  return e?.message ?? String(err);
}
