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
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.json !== undefined) headers["content-type"] = "application/json";
  // One deadline for the whole call, the retry included.
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const send = () => fetch(url, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json), signal });
  let res: Response;
  try {
    res = await send();
  } catch (err) {
    if (!IDEMPOTENT.has(method) || !isStaleConnection(err) || signal.aborted) throw err;
    res = await send();
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: await readCapped(res, MAX_BODY_BYTES) };
}

/**
 * The most read from any answer. What we read is small (a health answer, a Prometheus scrape of the gateway, a log
 * tail of a few hundred lines, a GitHub listing); a peer that sends more is cut off there, not buffered, so a
 * hostile or broken one cannot fill the memory of the provider or the pipeline within the deadline.
 */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

async function readCapped(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString("utf8");
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`answer larger than ${max / 1024 / 1024} MiB (HTTP ${res.status}): stopped reading`);
    }
    chunks.push(value);
  }
}

const IDEMPOTENT = new Set(["GET", "HEAD"]);

/**
 * A kept-alive connection the server closed just as the request went out (its keep-alive timeout racing
 * ours): undici reports ECONNRESET or "other side closed" before any response. Nothing was processed, so
 * a GET is sent once more on a new connection, as browsers do.
 */
function isStaleConnection(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return code === "ECONNRESET" || code === "UND_ERR_SOCKET" || code === "EPIPE";
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

/** A request that did not answer 2xx, or got no answer: says what was asked and what came back. */
export class HttpCallError extends Error {
  constructor(
    readonly what: string,
    readonly status: number | undefined,
    /** The status and a body excerpt, or why no answer came (timeout, refused). */
    readonly detail: string,
  ) {
    super(`${what}: ${detail}`);
    // Set again: serialized into a provider, `super` becomes `Error.call(this, …)`, which sets no message.
    this.message = `${what}: ${detail}`;
    this.name = "HttpCallError";
  }
}

/** `httpRequest` that must answer 2xx, or throws an HttpCallError naming `what`. */
export async function requestOk(
  what: string,
  url: string,
  opts: { timeoutMs: number; method?: string; json?: unknown; headers?: Record<string, string>; excerptChars?: number },
): Promise<HttpResult> {
  let res: HttpResult;
  try {
    res = await httpRequest(url, opts);
  } catch (err) {
    throw new HttpCallError(what, undefined, describeFetchError(err, opts.timeoutMs));
  }
  if (res.status < 200 || res.status >= 300)
    throw new HttpCallError(what, res.status, `HTTP ${res.status}: ${excerpt(res.body, opts.excerptChars)}`);
  return res;
}
