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

/** A duration for people: "0.8 s", "45 s", "2 min", "4 min 30 s" (never "0 min" for a short wait). */
export function formatDuration(ms: number): string {
  const v = Math.max(0, ms);
  if (v < 10 * SECOND_MS) return `${Math.round(v / 100) / 10} s`;
  const seconds = Math.round(v / SECOND_MS);
  if (seconds < 60) return `${seconds} s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)} min${rest ? ` ${rest} s` : ""}`;
}

/** Malaysian wall-clock time with its zone, e.g. "2026-12-04 09:12 MYT", for titles and times people read together. */
export function malaysiaDateTime(at: Date): string {
  return `${malaysiaWallClock(at).toISOString().slice(0, 16).replace("T", " ")} MYT`;
}
