/**
 * What decides whether a dynamic resource changed, without Pulumi or I/O (tests call it directly): each
 * provider names the values that make it the same thing, read from its stored outputs and from the new
 * inputs, and a key whose canonical JSON differs is a change.
 */

/** JSON with object keys sorted: the engine may hand back objects in another key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** Keys (of either side, sorted) whose values differ. */
export function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k]));
}

export function pick(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in value).map((k) => [k, value[k]]));
}

export function omit(value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.includes(k)));
}

/** A digest of the secret inputs: rotating one is a change, without the secret being stored. */
export function secretsHash(inputs: Record<string, unknown>, secretKeys: readonly string[]): string {
  const crypto = require("crypto") as typeof import("crypto");
  const values = secretKeys.map((k) => inputs[k] ?? null);
  return crypto.createHash("sha256").update(canonicalJson(values)).digest("hex");
}

/** Through JSON: the engine's wire format has no `undefined` (the host fails with "Unexpected struct type"). */
export function wireSafe<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
