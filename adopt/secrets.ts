/**
 * Which environment values of a running container are secrets, judged from the name and the value
 * without ever returning the value: credentials in URLs, tokens, passwords, keys. When in doubt it
 * says secret: a secret kept in a stack file is a leak, a plain value kept as a secret is only opaque.
 */

/** A name part (split on _ . -) that marks a secret: PASSWORD, DB_PASS, API_KEY, S3_ACCESS_KEY_ID, JWT_SECRET, … */
const SECRET_WORDS = new Set([
  "PASSWORD",
  "PASSWD",
  "PASS",
  "PWD",
  "SECRET",
  "SECRETS",
  "TOKEN",
  "KEY",
  "APIKEY",
  "CREDENTIAL",
  "CREDENTIALS",
  "PRIVATE",
  "SALT",
  "DSN",
  "COOKIE",
  "SIGNATURE",
  "AUTH",
]);

/** Well-known token shapes: JWT, OpenAI/Stripe, GitHub, Slack, AWS access key, Google API key. */
const TOKEN_PREFIX =
  /^(eyJ[A-Za-z0-9_-]{10,}|sk[-_][A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[abprs]-|AKIA[A-Z0-9]{12,}|AIza[A-Za-z0-9_-]{20,})/;

/** Bits per character of the value's own letter frequencies. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts.values()].reduce((h, n) => h - (n / value.length) * Math.log2(n / value.length), 0);
}

/** Why `NAME=value` is a secret, or undefined when it looks like plain configuration. */
export function secretReason(name: string, value: string): string | undefined {
  if (
    name
      .toUpperCase()
      .split(/[_.-]+/)
      .some((part) => SECRET_WORDS.has(part))
  )
    return "its name says so";
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i.test(value)) return "credentials in the URL";
  if (/(^|[\s;&?])(password|pwd|passwd|secret|token|key)=[^\s;&]+/i.test(value)) return "a password in the value";
  if (TOKEN_PREFIX.test(value)) return "a token's shape";
  // A long random-looking word (no spaces, not a path or URL): a generated key or token.
  if (value.length >= 32 && /^[A-Za-z0-9+/=_.~-]+$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && entropy(value) >= 3.5)
    return "a random token's shape";
  return undefined;
}
