/**
 * The scheduled workflows' guards, each printing `key=value` lines for "$GITHUB_OUTPUT":
 *   scheduleGuard.ts first-wednesday    run=true|false: the restore's slot is the first Wednesday in Malaysia
 *   scheduleGuard.ts drill-start        at=<ISO time> wait_seconds=<n>: when the drill may start after its notice
 *   scheduleGuard.ts missed-report --procedure restore|drill --stack <stack> [--link <url>]
 *                                       missed=true|false: the previous slot's run left no report artifact;
 *                                       when true, the stack's notify contacts are told (exit 1 if nobody could be)
 * Environment: SCHEDULE_CRON (`github.event.schedule`; default the procedure's cron in scripts/schedule.ts),
 * SCHEDULE_GUARD_NOW (an ISO time instead of now, to try a delayed run by hand); missed-report also reads
 * GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_TOKEN (actions: read) and the notify secrets SPEC1_NOTIFY_*.
 */
import { parseArgs } from "util";
import { parseNotifyConfig } from "../config/notify";
import { readStackConfig } from "../config/stackFile";
import { requestOk } from "../lib/http";
import type { Notice } from "../notify/message";
import { describeDeliveries, sendNotice } from "../notify/notifier";
import { credentialsFromEnv } from "./notify";
import {
  CRONS,
  drillStart,
  formatMalaysia,
  isFirstWednesdayInMalaysia,
  previousFirstWednesdaySlot,
  previousSlot,
  reportMissing,
  scheduledSlot,
} from "./schedule";

type Procedure = keyof typeof CRONS;
const WORKFLOWS: Record<Procedure, string> = { restore: "Monthly restore test (restore-test.yml)", drill: "QR drill (drill.yml)" };

/** The artifact each procedure's workflow uploads its report as (one name; each run holds its own). */
export const REPORT_ARTIFACT: Record<Procedure, string> = { restore: "restore-report", drill: "drill-report" };

/** The slot whose run must have left a report by the current slot. */
export function expectedSlot(procedure: Procedure, cron: string, slot: Date): Date {
  return procedure === "restore" ? previousFirstWednesdaySlot(cron, slot) : previousSlot(cron, slot);
}

/** The newest report artifact's creation time, from GitHub's REST API (`GET …/actions/artifacts?name=`). */
export async function newestReport(env: NodeJS.ProcessEnv, artifact: string): Promise<Date | undefined> {
  const api = env.GITHUB_API_URL || "https://api.github.com";
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_TOKEN)
    throw new Error("missed-report needs GITHUB_REPOSITORY and GITHUB_TOKEN (with actions: read) in its environment");
  const url = `${api}/repos/${env.GITHUB_REPOSITORY}/actions/artifacts?name=${encodeURIComponent(artifact)}&per_page=100`;
  const headers = { authorization: `Bearer ${env.GITHUB_TOKEN}`, accept: "application/vnd.github+json" };
  const res = await requestOk(`GitHub artifacts ${artifact}`, url, { headers, timeoutMs: 30_000 });
  const times = ((JSON.parse(res.body).artifacts ?? []) as { created_at?: string }[])
    .map((a) => Date.parse(a.created_at ?? ""))
    .filter(Number.isFinite);
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}

export function missedNotice(procedure: Procedure, expected: Date, newest: Date | undefined, link?: string): Notice {
  const what = procedure === "restore" ? "monthly backup restore test" : "weekly QR re-login drill";
  return {
    kind: procedure === "restore" ? "restoreFailure" : "drillResult",
    subject: `The ${what} of ${formatMalaysia(expected)} left no report`,
    lines: [
      `Newest ${REPORT_ARTIFACT[procedure]} artifact: ${newest ? formatMalaysia(newest) : "none at all"}.`,
      "GitHub may have dropped or delayed the scheduled run, the self-hosted runner may have been offline, or the run died before uploading its report.",
      `Run it now: Actions → ${WORKFLOWS[procedure]} → Run workflow, or by hand: pulumi up -s ${procedure}.`,
      ...(link ? [`Run: ${link}`] : []),
    ],
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv, print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { procedure: { type: "string" }, stack: { type: "string" }, "stack-dir": { type: "string" }, link: { type: "string" } },
  });
  const now = env.SCHEDULE_GUARD_NOW ? new Date(env.SCHEDULE_GUARD_NOW) : new Date();
  if (Number.isNaN(now.getTime()))
    throw new Error(`SCHEDULE_GUARD_NOW=${env.SCHEDULE_GUARD_NOW} is not a time; use e.g. 2026-12-02T16:30Z`);
  const cronOf = (procedure: Procedure) => env.SCHEDULE_CRON || CRONS[procedure];
  switch (positionals[0]) {
    case "first-wednesday": {
      const slot = scheduledSlot(cronOf("restore"), now);
      const run = isFirstWednesdayInMalaysia(slot);
      process.stderr.write(
        `started ${formatMalaysia(now)} for the slot ${formatMalaysia(slot)}: ${run ? "" : "not "}the first Wednesday\n`,
      );
      print(`run=${run}`);
      return 0;
    }
    case "drill-start": {
      const at = drillStart(scheduledSlot(cronOf("drill"), now), now);
      print(`at=${at.toISOString()}`);
      print(`wait_seconds=${Math.max(0, Math.ceil((at.getTime() - now.getTime()) / 1000))}`);
      return 0;
    }
    case "missed-report": {
      const procedure = values.procedure as Procedure;
      if (!(procedure in CRONS)) throw new Error(`--procedure must be one of ${Object.keys(CRONS).join(", ")}`);
      if (!values.stack) throw new Error("--stack is required (whose spec1:notify contacts to tell)");
      const cron = cronOf(procedure);
      const expected = expectedSlot(procedure, cron, scheduledSlot(cron, now));
      const newest = await newestReport(env, REPORT_ARTIFACT[procedure]);
      const missed = reportMissing(newest, expected);
      print(`missed=${missed}`);
      if (!missed) return 0;
      const config = parseNotifyConfig(readStackConfig(values.stack, values["stack-dir"]).notify);
      const deliveries = await sendNotice(config, credentialsFromEnv(env), missedNotice(procedure, expected, newest, values.link));
      process.stderr.write(`missed report (${procedure}): ${describeDeliveries(deliveries)}\n`);
      return deliveries.length > 0 && deliveries.every((d) => d.ok) ? 0 : 1;
    }
    default:
      throw new Error("usage: scheduleGuard.ts first-wednesday | drill-start | missed-report --procedure restore|drill --stack <stack>");
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`scheduleGuard: ${(err as Error).message}\n`);
      process.exit(2);
    },
  );
}
