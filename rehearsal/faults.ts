/**
 * The faults `--break` can inject, one at a time: which procedure it breaks and what is done to the
 * local SPEC-1. What to do next is the procedures' own text (notify/nextSteps.ts), the same as in production.
 */
import { Procedure, PROCEDURES } from "../notify/nextSteps";

export { PROCEDURES };
export type { Procedure };

export interface FaultSpec {
  readonly procedure: Procedure;
  /** What the rehearsal does to the local SPEC-1, as printed before the run. */
  readonly injects: string;
  /** For a rollback fault: the service whose rollback is rehearsed, so its checks re-run. */
  readonly service?: string;
}

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
