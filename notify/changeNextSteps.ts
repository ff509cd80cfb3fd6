/**
 * What to do after an image change whose post-deploy checks did not pass, as commands to type: roll
 * back (further), or fix the cause and run the same `pulumi up` again.
 */
import { compareTags, ImageChange, TagHistory } from "./imageChanges";

export interface FailedChange {
  readonly stack: string;
  readonly kind: "rollback" | "release";
  readonly outcome: "passed" | "failed" | "unknown";
  readonly changes: readonly ImageChange[];
  readonly checks: Readonly<Record<string, { passed?: boolean }>>;
  readonly waitMs: number;
  readonly history: TagHistory;
}

/** Tags this stack deployed before that are candidates to roll `c` back to: older versions first by recency, at most 3. */
function olderTags(c: ImageChange, history: TagHistory): string[] {
  return [...(history[c.service] ?? [])]
    .reverse()
    .filter((t) => t !== c.to && t !== c.from && (compareTags(t, c.to) ?? -1) < 0)
    .slice(0, 3);
}

function setTags(stack: string, tags: readonly (readonly [string, string])[]): string {
  return tags.map(([service, tag]) => `pulumi config set --path imageTags.${service} ${tag} -s ${stack}`).join("; ");
}

export function nextSteps(e: FailedChange): string[] {
  const s = e.stack;
  const apply = `then pulumi preview --diff -s ${s} and pulumi up -s ${s} (or run the Rollback workflow with those tags)`;
  const silent = Object.entries(e.checks)
    .filter(([, r]) => r.passed === undefined)
    .map(([k]) => k);
  const steps: string[] = [];
  if (e.outcome === "unknown") {
    steps.push(
      `No verdict from ${silent.join(", ")} within ${Math.round(e.waitMs / 1000)}s: the up may have stopped before the checks ran (a container that did not start, an interrupted pulumi up); read the pulumi up output.`,
    );
  }
  if (e.kind === "release") {
    steps.push(
      `Roll back to what ran before: ${setTags(
        s,
        e.changes.map((c) => [c.service, c.from] as const),
      )}; ${apply}.`,
    );
  } else {
    const candidates = e.changes.map(
      (c) => `${c.service}: ${olderTags(c, e.history).join(", ") || "none recorded (see pulumi stack history)"}`,
    );
    steps.push(
      `Roll back further, to a tag deployed before (${candidates.join("; ")}): pulumi config set --path imageTags.<service> <tag> -s ${s}; ${apply}.`,
    );
  }
  steps.push(
    `Or fix the cause and run pulumi up -s ${s} again: it re-runs the checks that did not pass, and the outcome is announced${e.kind === "rollback" ? " on the same incident" : ""}.`,
  );
  return steps;
}
