/**
 * What the on-call engineer does when a procedure fails, from the runbook: one text per procedure, which
 * every failure message of that procedure ends with — a production `pulumi up` (the providers append it)
 * and the rehearsal alike. Pulumi-free: providers and the rehearsal reach it through `explainFailure`
 * and `withNextSteps`.
 */
import { redact } from "../lib/redact";

export const PROCEDURES = ["rollback", "restore", "drill"] as const;
export type Procedure = (typeof PROCEDURES)[number];

const ROLLBACK_NEXT = [
  "`pulumi up` failed after the containers changed: they run the tags you set; the failed check runs again on the next `pulumi up`, the rollback notice waits for it.",
  "Read the failing check's message above (it carries the measured values), then the service's logs: `docker logs --tail 200 spec1-<service>`.",
  "If the stable tag is bad too, roll back one more release: `pulumi config set --path imageTags.<service> <older tag>`, `pulumi preview --diff`, `pulumi up`; commit the changed Pulumi.<stack>.yaml.",
  "Runbook §3 post-rollback: notify stakeholders (Infra On-call oncall@laptoppro.my), tag the incident, schedule the post-mortem.",
];

const RESTORE_NEXT = [
  "Runbook §2 escalation: keep the disposable database for debugging — do NOT run `pulumi destroy -s restore` (the scheduled pipeline skips it after a failed up).",
  "Engage the database administrator with the restore report (Markdown + JSON, path above; in CI the run's restore-report artifact) and the restore stack's outputs.",
  "When the cause is known and fixed, `pulumi destroy -s restore` removes the database and the downloaded dump.",
];

const DRILL_NEXT = [
  "Runbook §1 escalation: a session with no QR after 3 attempts goes to the Lead Engineer (lead.engineer@laptoppro.my) with the Baileys logs — the drill has sent them to the escalation contacts.",
  "A test message that never reached the chat console while its session is open: read the api and worker logs (`docker logs --tail 200 spec1-api`, `spec1-worker`).",
  "Check the worker dashboard shows the outbound queues running; if a drill was cancelled or killed they may still be paused: `npm run drill:resume -- --stack drill` resumes exactly the queues the drill paused.",
  "Once fixed, drill again: `pulumi config set --path drill.runId <new id> -s drill` then `pulumi up -s drill` (one drill per day otherwise).",
];

export const NEXT_STEPS: Readonly<Record<Procedure, readonly string[]>> = {
  rollback: ROLLBACK_NEXT,
  restore: RESTORE_NEXT,
  drill: DRILL_NEXT,
};

export const NEXT_HEADING = "What to do next:";

/** `message` ending with the procedure's next steps (once: a message that has them is returned as is). */
export function withNextSteps(message: string, procedure: Procedure): string {
  if (message.includes(NEXT_HEADING)) return message;
  return [message, NEXT_HEADING, ...NEXT_STEPS[procedure].map((step) => `  - ${step}`)].join("\n");
}

/** The message without the next steps it ends with (a report that lists them on their own). */
export function withoutNextSteps(message: string): string {
  const at = message.indexOf(`\n${NEXT_HEADING}`);
  return at < 0 ? message : message.slice(0, at);
}

/**
 * Runs a provider's work; a failure comes back with its message redacted (`secrets`: the resource's
 * secret inputs) and ending with the procedure's next steps, which is what `pulumi up` prints.
 */
export async function explainFailure<T>(procedure: Procedure, secrets: readonly unknown[], work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw new Error(withNextSteps(redact(err instanceof Error ? err.message : String(err), secrets), procedure));
  }
}
