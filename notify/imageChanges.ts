/**
 * What an image change is: a rollback (to a version older than the running one, or to a tag this stack
 * deployed before) or a release. Pure: the notice resource keeps the tags it has seen in its outputs.
 */

export interface ImageRef {
  readonly reference: string;
  readonly digest: string;
}

export type ChangeKind = "rollback" | "release";

export interface ImageChange {
  readonly service: string;
  readonly from: string;
  readonly to: string;
  readonly fromDigest: string;
  readonly toDigest: string;
  readonly kind: ChangeKind;
  /** Why it is that kind, for people: "deployed before", "older than 20240501", … */
  readonly why: string;
}

/** Per service, the tags deployed by this stack, oldest first. */
export type TagHistory = Readonly<Record<string, readonly string[]>>;

/** How many tags per service the history keeps. */
export const HISTORY_LENGTH = 50;

/** The tag of `<repository>:<tag>[@sha256:…]`, or the whole reference when it has none. */
export function tagOf(reference: string): string {
  const withoutDigest = reference.split("@")[0];
  const colon = withoutDigest.lastIndexOf(":");
  return colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(colon + 1) : reference;
}

/** A version-like tag (20240418, 1.2.3, v2.0, 2024.04.18-1) as numbers; undefined for anything else (a git SHA, "stable"). */
function versionOf(tag: string): number[] | undefined {
  const m = /^v?(\d+(?:[._-]\d+)*)$/.exec(tag.split("@")[0]);
  return m ? m[1].split(/[._-]/).map(Number) : undefined;
}

/** <0 when `a` is an older version than `b`, >0 newer, 0 same; undefined when either is not version-like. */
export function compareTags(a: string, b: string): number | undefined {
  const [x, y] = [versionOf(a), versionOf(b)];
  if (!x || !y) return undefined;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

/**
 * Version-like tags are ordered: older than the running one is a rollback, newer a release (also a tag
 * deployed before: rolling forward again). Other tags (git SHAs) have no order: one deployed before is
 * a rollback, a new one a release.
 */
function classify(from: string, to: string, deployed: readonly string[]): { kind: ChangeKind; why: string } {
  if (from === to) return { kind: "release", why: "re-pushed tag, new digest" };
  const before = deployed.includes(to);
  const order = compareTags(to, from);
  if (order !== undefined && order < 0) return { kind: "rollback", why: `older than ${from}${before ? ", deployed before" : ""}` };
  if (order !== undefined) return { kind: "release", why: `newer than ${from}${before ? ", deployed before" : ""}` };
  return before ? { kind: "rollback", why: "deployed before" } : { kind: "release", why: "not deployed before" };
}

/** The services whose image changed, each classified against the tags deployed before. */
export function imageChanges(olds: Record<string, ImageRef>, news: Record<string, ImageRef>, history: TagHistory = {}): ImageChange[] {
  return Object.keys(news)
    .sort()
    .filter((s) => olds[s]?.reference !== news[s].reference || olds[s]?.digest !== news[s].digest)
    .map((s) => {
      const from = olds[s] ? tagOf(olds[s].reference) : "(new)";
      const to = tagOf(news[s].reference);
      return { service: s, from, to, fromDigest: olds[s]?.digest ?? "", toDigest: news[s].digest, ...classify(from, to, history[s] ?? []) };
    });
}

/** A rollback when any service goes back; otherwise a release. */
export function changeKind(changes: readonly ImageChange[]): ChangeKind {
  return changes.some((c) => c.kind === "rollback") ? "rollback" : "release";
}

/** The history with the running tags appended (a tag seen again moves to the end), at most HISTORY_LENGTH per service. */
export function recordTags(history: TagHistory, images: Record<string, ImageRef>): Record<string, string[]> {
  const services = [...new Set([...Object.keys(history), ...Object.keys(images)])].sort();
  return Object.fromEntries(
    services.map((s) => {
      const seen = (history[s] ?? []).filter((t) => !images[s] || t !== tagOf(images[s].reference));
      return [s, [...seen, ...(images[s] ? [tagOf(images[s].reference)] : [])].slice(-HISTORY_LENGTH)];
    }),
  );
}

export function changeSummary(changes: readonly ImageChange[]): string {
  return changes.map((c) => `${c.service} ${c.from} → ${c.to}${c.from === c.to ? " (re-pushed tag, new digest)" : ""}`).join(", ");
}
