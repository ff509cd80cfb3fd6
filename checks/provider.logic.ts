/**
 * What every check provider decides without I/O: which inputs changed (so an unchanged stack shows no
 * diff and a new digest or runId re-runs the check) and what of the inputs may be stored in outputs.
 */

/** Keys of inputs/outputs that are not check settings. */
export const INTERNAL_KEYS: readonly string[] = ["__provider", "result", "secretsHash"];

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

/** Inputs safe to keep in plain outputs: everything but the secrets and the serialized provider. */
export function publicInputs(inputs: Record<string, unknown>, secretKeys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([k]) => !secretKeys.includes(k) && !INTERNAL_KEYS.includes(k)));
}

/** A digest of the secret inputs, so rotating one re-runs the check without storing the secret. */
export function secretsHash(inputs: Record<string, unknown>, secretKeys: readonly string[]): string {
  const crypto = require("crypto") as typeof import("crypto");
  const values = secretKeys.map((k) => inputs[k] ?? null);
  return crypto.createHash("sha256").update(canonicalJson(values)).digest("hex");
}

/**
 * The keys to replace on: settings whose value differs between the old outputs and the new inputs,
 * plus `secretsHash` when a secret changed. Empty = no diff.
 */
export function changedKeys(olds: Record<string, unknown>, news: Record<string, unknown>, secretKeys: readonly string[]): string[] {
  const oldPublic = publicInputs(olds, secretKeys);
  const newPublic = publicInputs(news, secretKeys);
  const keys = [...new Set([...Object.keys(oldPublic), ...Object.keys(newPublic)])].sort();
  const changed = keys.filter((k) => canonicalJson(oldPublic[k]) !== canonicalJson(newPublic[k]));
  if (secretKeys.length > 0 && olds.secretsHash !== secretsHash(news, secretKeys)) changed.push("secretsHash");
  return changed;
}
