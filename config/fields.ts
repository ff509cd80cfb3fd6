/** A config value that cannot be used: the message names the key and how to fix it. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    problem: string,
    fix: string,
  ) {
    super(`${key}: ${problem}; ${fix}`);
    this.name = "ConfigError";
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function optionalString(key: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigError(key, `${JSON.stringify(value)} is not a non-empty string`, `set e.g. ${JSON.stringify(fallback)}`);
  }
  return value;
}

export function optionalNumber(key: string, value: unknown, fallback: number, opts: { min?: number; integer?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  const min = opts.min ?? 0;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    const kind = opts.integer ? "an integer" : "a number";
    throw new ConfigError(key, `${JSON.stringify(value)} is not ${kind} ≥ ${min}`, `set e.g. ${fallback}`);
  }
  return n;
}

export function optionalBoolean(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new ConfigError(key, `${JSON.stringify(value)} is not true or false`, `set true or false`);
}

export function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(key, `${JSON.stringify(value)} is not one of ${allowed.join(", ")}`, `set one of them (default ${fallback})`);
}

/** Rejects keys of a config object that the program would silently ignore (usually typos). */
export function rejectUnknownKeys(key: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) {
      throw new ConfigError(`${key}.${k}`, "is not a known key", `use one of ${known.join(", ")}`);
    }
  }
}

/** An optional config object: absent is `{}`; anything else must be an object with only known keys. */
export function optionalSection(key: string, value: unknown, known: readonly string[], example: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new ConfigError(key, "is not an object", `set e.g. ${example}`);
  rejectUnknownKeys(key, value, known);
  return value;
}

/** Node's timers fire at once for a delay above 2^31−1 ms (about 24.8 days): no wait in this project may be longer. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A duration in milliseconds, an integer from `min` to `max` (default: the longest a timer can wait). */
export function optionalMs(key: string, value: unknown, fallback: number, opts: { min?: number; max?: number } = {}): number {
  const ms = optionalNumber(key, value, fallback, { min: opts.min ?? 1, integer: true });
  const max = opts.max ?? MAX_TIMER_MS;
  if (ms > max) throw new ConfigError(key, `${ms} ms is above the cap of ${max} ms`, `set at most ${max} (default ${fallback})`);
  return ms;
}

/**
 * A duration under `<name>Ms`, the unit of every duration in this project; the key it replaced in a
 * larger unit (e.g. `timeoutSeconds`) is still read and converted, so existing stack files keep working.
 */
export function optionalDuration(
  section: string,
  raw: Record<string, unknown>,
  names: { readonly ms: string; readonly legacy: string; readonly legacyUnitMs: number },
  fallbackMs: number,
  opts: { min?: number; max?: number } = {},
): number {
  const msKey = `${section}.${names.ms}`;
  if (raw[names.legacy] === undefined) return optionalMs(msKey, raw[names.ms], fallbackMs, opts);
  if (raw[names.ms] !== undefined) {
    throw new ConfigError(`${section}.${names.legacy}`, `is set together with ${names.ms}`, `keep only ${names.ms} (milliseconds)`);
  }
  const legacy = optionalNumber(`${section}.${names.legacy}`, raw[names.legacy], fallbackMs / names.legacyUnitMs, { min: 0 });
  return optionalMs(msKey, Math.round(legacy * names.legacyUnitMs), fallbackMs, opts);
}

export type UrlScheme = "http" | "ws";

/**
 * A URL setting. A base URL, to which paths are appended (`${gatewayUrl}/sessions`), is kept without
 * trailing slashes, so a path never starts with `//`; a full URL is fetched exactly as written.
 */
export function optionalUrl(key: string, value: unknown, fallback: string | undefined, scheme: UrlScheme, kind: "base" | "full"): string {
  const label = scheme === "http" ? "an http(s) URL" : "a ws(s) URL";
  const fix = fallback === undefined ? `set ${label}` : `set e.g. ${fallback}`;
  if (value === undefined) {
    if (fallback === undefined) throw new ConfigError(key, "is not set", fix);
    return fallback;
  }
  if (typeof value !== "string" || value.trim() === "") throw new ConfigError(key, `${JSON.stringify(value)} is not ${label}`, fix);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(key, `"${value}" is not a URL`, fix);
  }
  const schemes = scheme === "http" ? ["http:", "https:"] : ["ws:", "wss:"];
  if (!schemes.includes(parsed.protocol) || parsed.hostname === "") throw new ConfigError(key, `"${value}" is not ${label}`, fix);
  return kind === "base" ? value.replace(/\/+$/, "") : value;
}
