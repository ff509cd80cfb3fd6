/**
 * The pipelines' schedules, judged by the slot a run was scheduled for — not by when it started: GitHub
 * delays scheduled runs (by hours at busy times) and drops some (research §5d). A run's slot is the
 * latest fire of its cron at or before its start, so a restore run delayed past midnight in Malaysia
 * still belongs to its Wednesday. Pure functions; the CLI is scripts/scheduleGuard.ts.
 */
import { MALAYSIA_OFFSET_MS, malaysiaWallClock, MINUTE_MS } from "../lib/time";

/** The crons, in UTC as GitHub reads them (test/schedules.test.ts holds the workflows to these). Off the top of the hour, where delays and drops are worst. */
export const CRONS = {
  /** Monday 08:43 MYT: the drill workflow sends the 15-minute notice, then waits for 09:00. */
  drill: "43 0 * * 1",
  /** Every Wednesday 22:07 MYT; the guard admits the first Wednesday of the month. */
  restore: "7 14 * * 3",
} as const;

/** The runbook's drill time, 09:00 MYT, as minutes after Malaysian midnight. */
const DRILL_AT_MYT_MINUTES = 9 * 60;
/** The runbook's notice comes 15 minutes before the drill. */
export const PRE_NOTICE_MS = 15 * MINUTE_MS;

const WEDNESDAY = 3;

function cronFires(cron: string, from: Date) {
  const { CronExpressionParser } = require("cron-parser") as typeof import("cron-parser");
  return CronExpressionParser.parse(cron, { currentDate: from, tz: "UTC" });
}

/** The slot a run that started at `startedAt` was scheduled for: the cron's latest fire at or before it. */
export function scheduledSlot(cron: string, startedAt: Date): Date {
  return cronFires(cron, new Date(startedAt.getTime() + 1))
    .prev()
    .toDate();
}

/** The cron's fire before `slot`. */
export function previousSlot(cron: string, slot: Date): Date {
  return cronFires(cron, slot).prev().toDate();
}

/** True when `slot` falls on the first Wednesday of its month in Malaysia: a Wednesday dated 1–7. */
export function isFirstWednesdayInMalaysia(slot: Date): boolean {
  const local = malaysiaWallClock(slot);
  return local.getUTCDay() === WEDNESDAY && local.getUTCDate() <= 7;
}

/** The first-Wednesday slot before `slot` (the restore run whose report must exist by now). */
export function previousFirstWednesdaySlot(cron: string, slot: Date): Date {
  let candidate = previousSlot(cron, slot);
  // At most 5 Wednesdays a month: 6 steps back always reach one dated 1–7.
  for (let i = 0; i < 6 && !isFirstWednesdayInMalaysia(candidate); i++) candidate = previousSlot(cron, candidate);
  return candidate;
}

/**
 * When the drill may start: 09:00 MYT on the slot's day, and never sooner than 15 minutes after the
 * notice actually went out (a notice delayed to 10:20 announces a drill at 10:35).
 */
export function drillStart(slot: Date, noticeSentAt: Date): Date {
  const local = malaysiaWallClock(slot);
  const midnightMyt = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) - MALAYSIA_OFFSET_MS;
  const runbookTime = midnightMyt + DRILL_AT_MYT_MINUTES * MINUTE_MS;
  return new Date(Math.max(runbookTime, noticeSentAt.getTime() + PRE_NOTICE_MS));
}

/** Whether the run of `expectedSlot` left no report: the newest report predates it (or there is none). */
export function reportMissing(newestReportAt: Date | undefined, expectedSlot: Date): boolean {
  return newestReportAt === undefined || newestReportAt.getTime() < expectedSlot.getTime();
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** `Wed 2026-12-02 22:07 MYT`: how people read a slot. */
export function formatMalaysia(at: Date): string {
  const local = malaysiaWallClock(at);
  return `${WEEKDAYS[local.getUTCDay()]} ${local.toISOString().slice(0, 16).replace("T", " ")} MYT`;
}
