/**
 * The faults `--break` can inject, one at a time: which procedure it breaks, what is done to the local
 * SPEC-1, and what the runbook says to do next when it happens for real.
 */
export const PROCEDURES = ["rollback", "restore", "drill"] as const;
export type Procedure = (typeof PROCEDURES)[number];

export interface FaultSpec {
  readonly procedure: Procedure;
  /** What the rehearsal does to the local SPEC-1, as printed before the run. */
  readonly injects: string;
  /** For a rollback fault: the service whose rollback is rehearsed, so its checks re-run. */
  readonly service?: string;
}

const ROLLBACK_NEXT = [
  "`pulumi up` failed after the containers changed: they run the tags you set; the failed check runs again on the next `pulumi up`, the rollback notice waits for it.",
  "Read the failing check's message above (it carries the measured values), then the service's logs: `docker logs --tail 200 spec1-<service>`.",
  "If the stable tag is bad too, roll back one more release: `pulumi config set --path imageTags.<service> <older tag>`, `pulumi preview --diff`, `pulumi up`.",
  "Runbook §3 post-rollback: notify stakeholders (Infra On-call oncall@laptoppro.my), tag the incident, schedule the post-mortem.",
];

const RESTORE_NEXT = [
  "Runbook §2 escalation: keep the disposable database for debugging — do NOT run `pulumi destroy -s restore` (the scheduled pipeline skips it after a failed up).",
  "Engage the database administrator with the report written above (Markdown + JSON) and the restore stack's outputs.",
  "When the cause is known and fixed, `pulumi destroy -s restore` removes the database and the downloaded dump.",
];

const DRILL_NEXT = [
  "Runbook §1 escalation: a session with no QR after 3 attempts goes to the Lead Engineer (lead.engineer@laptoppro.my) with the Baileys logs — the drill has sent them (ops chat above).",
  "A test message that never reached the chat console while its session is open: read the api and worker logs (`docker logs --tail 200 spec1-api`, `spec1-worker`).",
  "Outbound queues were resumed by the drill; check the worker dashboard shows them running.",
  "Once fixed, drill again: `pulumi config set --path drill.runId <new id> -s drill` then `pulumi up -s drill` (one drill per day otherwise).",
];

/** What the on-call engineer does when a procedure fails, from the runbook. */
export const NEXT_STEPS: Readonly<Record<Procedure, readonly string[]>> = {
  rollback: ROLLBACK_NEXT,
  restore: RESTORE_NEXT,
  drill: DRILL_NEXT,
};

/** How long ago BACKUP_DAILY stopped under `--break stale-backup`: well past the restore stack's RPO limit. */
export const STALE_BACKUP_HOURS = 72;

export const FAULTS = {
  "health-degraded": { procedure: "rollback", injects: 'the API health endpoint answers 200 {"status":"degraded"}', service: "api" },
  "queue-stuck": { procedure: "rollback", injects: "the worker is stopped while a backlog waits in its queues", service: "worker" },
  "metrics-missing": { procedure: "rollback", injects: "the gateway's /metrics lacks the messages-sent counter", service: "baileys" },
  "truncated-dump": { procedure: "restore", injects: "the newest backup in the bucket is cut off half way" },
  "stale-backup": {
    procedure: "restore",
    injects: `BACKUP_DAILY stopped ${STALE_BACKUP_HOURS} h ago: every backup in the bucket is dated ${STALE_BACKUP_HOURS} h earlier, so the newest is older than the RPO limit spec1:backup.maxAgeMs`,
  },
  "no-qr": { procedure: "drill", injects: "the gateway never sends a QR for the drilled sessions" },
  "message-lost": { procedure: "drill", injects: "the test message is sent but never reaches the chat console" },
} as const satisfies Record<string, FaultSpec>;

export type Fault = keyof typeof FAULTS;

export function parseFault(value: string): Fault {
  if (value in FAULTS) return value as Fault;
  throw new Error(`--break ${value}: unknown fault; use one of ${Object.keys(FAULTS).join(", ")}`);
}

export function parseProcedures(value: string): Procedure[] {
  const names = value.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!(PROCEDURES as readonly string[]).includes(n))
      throw new Error(`--only ${n}: unknown procedure; use ${PROCEDURES.join(", ")} (comma-separated)`);
  }
  return names as Procedure[];
}
