/** The crons, read from the workflows, and the guards, in Malaysia time across month boundaries and delays. */
import { CronExpressionParser } from "cron-parser";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { expectedSlot, main } from "../scripts/scheduleGuard";
import { CRONS, drillStart, formatMalaysia, isFirstWednesdayInMalaysia, reportMissing, scheduledSlot } from "../scripts/schedule";

const DIR = path.join(__dirname, "..", ".github", "workflows");
const workflows = Object.fromEntries(fs.readdirSync(DIR).map((f) => [f, parse(fs.readFileSync(path.join(DIR, f), "utf8"))]));
const crons = (file: string): string[] => (workflows[file].on.schedule ?? []).map((s: { cron: string }) => s.cron);

/** GitHub evaluates cron in UTC: fire times from `from` to `until`, shown in Malaysia. */
function firesInMalaysia(cron: string, from: string, until: string): string[] {
  const expr = CronExpressionParser.parse(cron, { currentDate: new Date(from), endDate: new Date(until), tz: "UTC" });
  const out: string[] = [];
  while (expr.hasNext()) out.push(formatMalaysia(expr.next().toDate()));
  return out;
}

/** The guard CLI's printed lines for a run started at `now` (SCHEDULE_GUARD_NOW), as a workflow step calls it. */
async function guard(args: string[], now: string, cron?: string): Promise<string[]> {
  const lines: string[] = [];
  await main(args, { SCHEDULE_GUARD_NOW: now, ...(cron ? { SCHEDULE_CRON: cron } : {}) }, (l) => lines.push(l));
  return lines;
}

test("the scheduled workflows, their crons as scripts/schedule.ts knows them, none on the top of the hour", () => {
  const scheduled = Object.keys(workflows)
    .filter((f) => crons(f).length > 0)
    .sort();
  expect(scheduled).toEqual(["drill.yml", "restore-test.yml"]);
  expect(crons("drill.yml")).toEqual([CRONS.drill]);
  expect(crons("restore-test.yml")).toEqual([CRONS.restore]);
  for (const cron of Object.values(CRONS)) expect(cron.split(" ")[0]).not.toMatch(/^0?0$/);
});

test("the drill run fires Mondays 08:43 MYT, across a month and a year boundary", () => {
  expect(firesInMalaysia(CRONS.drill, "2026-12-27T00:00:00Z", "2027-01-12T00:00:00Z")).toEqual([
    "Mon 2026-12-28 08:43 MYT",
    "Mon 2027-01-04 08:43 MYT",
    "Mon 2027-01-11 08:43 MYT",
  ]);
});

test.each([
  // April 2026 starts on a Wednesday: the 1st is the first Wednesday.
  ["2026-04", "2026-03-31T16:00:00Z", "2026-04-30T16:00:00Z", "Wed 2026-04-01 22:07 MYT"],
  // October 2026 starts on a Thursday: the first Wednesday is the 7th, not the 1st.
  ["2026-10", "2026-09-30T16:00:00Z", "2026-10-31T16:00:00Z", "Wed 2026-10-07 22:07 MYT"],
  // December 2026: the 2nd; its run may start after midnight in Malaysia.
  ["2026-12", "2026-11-30T16:00:00Z", "2026-12-31T16:00:00Z", "Wed 2026-12-02 22:07 MYT"],
])("restore in %s: fires every Wednesday 22:07 MYT, the guard admits exactly the first", (_month, from, until, first) => {
  const expr = CronExpressionParser.parse(CRONS.restore, { currentDate: new Date(from), endDate: new Date(until), tz: "UTC" });
  const fires: Date[] = [];
  while (expr.hasNext()) fires.push(expr.next().toDate());
  expect(fires.length).toBeGreaterThanOrEqual(4);
  expect(fires.every((f) => /^Wed .* 22:07 MYT$/.test(formatMalaysia(f)))).toBe(true);
  expect(fires.filter(isFirstWednesdayInMalaysia).map(formatMalaysia)).toEqual([first]);
});

test.each([
  // On time.
  ["2026-12-02T14:07:10Z", "run=true"],
  // Delayed 2 h 23 min: it is Thursday 00:30 in Malaysia, but the run belongs to Wednesday's slot.
  ["2026-12-02T16:30Z", "run=true"],
  // Delayed 20 hours: still the first Wednesday's run.
  ["2026-12-03T10:00:00Z", "run=true"],
  // The second Wednesday's slot, on time and delayed.
  ["2026-12-09T14:07:30Z", "run=false"],
  ["2026-12-10T03:00:00Z", "run=false"],
  // October: the 7th is first; a run delayed from the 30 September slot past midnight stays September's.
  ["2026-10-07T14:08:00Z", "run=true"],
  ["2026-09-30T17:00:00Z", "run=false"],
])("first-wednesday guard, run started %s: %s", async (now, verdict) => {
  expect(await guard(["first-wednesday"], now, CRONS.restore)).toEqual([verdict]);
  // Without SCHEDULE_CRON (a person trying it by hand) the restore workflow's cron is assumed.
  expect(await guard(["first-wednesday"], now)).toEqual([verdict]);
});

test("a run's slot is the cron's latest fire at or before its start", () => {
  expect(scheduledSlot(CRONS.restore, new Date("2026-12-02T14:07:00Z")).toISOString()).toBe("2026-12-02T14:07:00.000Z");
  expect(scheduledSlot(CRONS.restore, new Date("2026-12-08T23:59:00Z")).toISOString()).toBe("2026-12-02T14:07:00.000Z");
});

test.each([
  // On time: 09:00 MYT, 17 minutes after the notice.
  ["2026-11-30T00:43:05Z", "2026-11-30T01:00:00.000Z"],
  // The notice went out at 08:50: the drill still starts at 09:05, 15 minutes after it.
  ["2026-11-30T00:50:00Z", "2026-11-30T01:05:00.000Z"],
  // Delayed 3 hours: 15 minutes after the notice, never before it.
  ["2026-11-30T03:43:00Z", "2026-11-30T03:58:00.000Z"],
])("drill start for a notice sent at %s: %s", async (noticeAt, start) => {
  expect(drillStart(scheduledSlot(CRONS.drill, new Date(noticeAt)), new Date(noticeAt)).toISOString()).toBe(start);
  const lines = await guard(["drill-start"], noticeAt, CRONS.drill);
  expect(lines[0]).toBe(`at=${start}`);
  expect(Number(lines[1].split("=")[1]) * 1000).toBe(Date.parse(start) - Date.parse(noticeAt));
});

test.each([
  // The first Wednesday's run checks last month's first Wednesday (across the year boundary too).
  ["restore", "2026-12-02T14:07:00Z", "Wed 2026-11-04 22:07 MYT"],
  ["restore", "2027-01-06T14:07:00Z", "Wed 2026-12-02 22:07 MYT"],
  // A later Wednesday checks this month's first: a dropped first-Wednesday run is announced a week later.
  ["restore", "2026-12-09T14:07:00Z", "Wed 2026-12-02 22:07 MYT"],
  ["restore", "2026-12-30T18:00:00Z", "Wed 2026-12-02 22:07 MYT"],
  // The drill checks last Monday's.
  ["drill", "2027-01-04T00:43:00Z", "Mon 2026-12-28 08:43 MYT"],
] as const)("missed-report for %s run at %s looks for the report of %s", (procedure, now, expected) => {
  const cron = CRONS[procedure];
  expect(formatMalaysia(expectedSlot(procedure, cron, scheduledSlot(cron, new Date(now))))).toBe(expected);
});

test("a report is missing when the newest is older than the expected run's slot, or when there is none", () => {
  const slot = new Date("2026-12-02T14:07:00Z");
  expect(reportMissing(undefined, slot)).toBe(true);
  expect(reportMissing(new Date("2026-11-04T15:00:00Z"), slot)).toBe(true);
  // The run delayed by hours still reported after its slot.
  expect(reportMissing(new Date("2026-12-02T18:40:00Z"), slot)).toBe(false);
});

test("a bad SCHEDULE_GUARD_NOW and an unknown guard are refused by name", async () => {
  await expect(guard(["first-wednesday"], "next wednesday")).rejects.toThrow(
    "SCHEDULE_GUARD_NOW=next wednesday is not a time; use e.g. 2026-12-02T16:30Z",
  );
  await expect(guard(["second-tuesday"], "2026-12-02T16:30Z")).rejects.toThrow(
    "usage: scheduleGuard.ts first-wednesday | drill-start | missed-report --procedure restore|drill --stack <stack>",
  );
});
