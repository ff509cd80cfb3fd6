/**
 * The one redaction: every secret the stack knows, in every form a peer may echo it, and any password
 * written into a URL (`redis://:pw@host`, `postgres://u:pw@db`) even when that URL was never configured:
 * a gateway's `/logs` can print the container's REDIS_URL. Used for every message, log line, notice,
 * report and output that may carry a peer's words.
 */
import type { Log } from "./log";

export const REDACTED = "[redacted]";

/** Shorter values are not treated as secrets: redacting "1" or "ok" would shred every message. */
const MIN_SECRET_CHARS = 4;

/** `scheme://user:password@`: the password is replaced, the scheme and user kept (they tell which service). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi;

/** Each form of one configured secret a peer may show: as given, URL-encoded, and its URL's password and path. */
function forms(secret: string): string[] {
  const out = [secret, encodeURIComponent(secret)];
  try {
    const u = new URL(secret);
    if (u.password) out.push(u.password, decodeURIComponent(u.password));
    // A webhook URL's secret is its path (Slack: /services/T…/B…/token); the host alone is not secret.
    if (u.pathname.length > 8) out.push(`${u.pathname}${u.search}`);
  } catch {
    // not a URL: its plain forms are enough
  }
  return out.filter((f) => f.length >= MIN_SECRET_CHARS);
}

/** Every string inside a value (a secret input may be an object, e.g. notify credentials). */
export function secretStrings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(secretStrings);
  if (value && typeof value === "object") return Object.values(value).flatMap(secretStrings);
  return [];
}

/** `text` with each secret (in each of its forms) and every URL-embedded password replaced by [redacted]. */
export function redact(text: string, secrets: readonly unknown[]): string {
  // Longest first: a URL must go whole before its password alone is cut out of it.
  const all = [...new Set(secrets.flatMap(secretStrings).flatMap(forms))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of all) out = out.split(form).join(REDACTED);
  return out.replace(URL_PASSWORD, (_m, head: string) => `${head}${REDACTED}@`);
}

/** A copy of a JSON-like value with every string redacted (outputs, report bodies). */
export function redactDeep<T>(value: T, secrets: readonly unknown[]): T {
  if (typeof value === "string") return redact(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, secrets)])) as T;
  return value;
}

/** A log that redacts every line before it is written. */
export function redactingLog(log: Log, secrets: readonly unknown[]): Log {
  return { info: (m) => log.info(redact(m, secrets)), warn: (m) => log.warn(redact(m, secrets)) };
}

/** The error's message redacted, as a new Error (the original may carry the secret in other fields). */
export function redactError(err: unknown, secrets: readonly unknown[]): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(redact(message, secrets));
}
