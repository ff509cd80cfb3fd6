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
