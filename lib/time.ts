/** Time in this project: every duration is in milliseconds; these name the larger units. */
export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;

/** Malaysia time (MYT, UTC+8, no daylight saving): the runbook's schedules and the ops log's dates. */
export const MALAYSIA_OFFSET_MS = 8 * HOUR_MS;

/** The calendar in Malaysia at instant `at`: a Date whose UTC fields are the Malaysian wall clock. */
export function malaysiaWallClock(at: Date): Date {
  return new Date(at.getTime() + MALAYSIA_OFFSET_MS);
}

/** The date in Malaysia as YYYY-MM-DD. */
export function malaysiaDate(at: Date): string {
  return malaysiaWallClock(at).toISOString().slice(0, 10);
}
