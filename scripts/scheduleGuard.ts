/**
 * Cron cannot say "first Wednesday of the month" (a day-of-month AND a weekday field are ORed), so the
 * restore workflow fires every Wednesday and this guard admits only the first one, judged in Malaysia
 * time (UTC+8, no DST). Usage in a workflow step:
 *   npx tsx scripts/scheduleGuard.ts first-wednesday >> "$GITHUB_OUTPUT"   # prints run=true|false
 */
import { malaysiaWallClock } from "../lib/time";
const WEDNESDAY = 3;

/** The calendar date and weekday in Malaysia at instant `at`. */
export function malaysiaCalendar(at: Date): { day: number; weekday: number } {
  const local = malaysiaWallClock(at);
  return { day: local.getUTCDate(), weekday: local.getUTCDay() };
}

/** True on the first Wednesday of the month in Malaysia: a Wednesday whose date is 1–7. */
export function isFirstWednesdayInMalaysia(at: Date): boolean {
  const { day, weekday } = malaysiaCalendar(at);
  return weekday === WEDNESDAY && day <= 7;
}

if (require.main === module) {
  const [rule] = process.argv.slice(2);
  if (rule !== "first-wednesday") {
    process.stderr.write("usage: scheduleGuard.ts first-wednesday  (prints run=true|false)\n");
    process.exit(2);
  }
  const now = process.env.SCHEDULE_GUARD_NOW ? new Date(process.env.SCHEDULE_GUARD_NOW) : new Date();
  const run = isFirstWednesdayInMalaysia(now);
  process.stderr.write(`${now.toISOString()} is ${run ? "" : "not "}the first Wednesday of the month in Malaysia\n`);
  process.stdout.write(`run=${run}\n`);
}
