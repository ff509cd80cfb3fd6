import { execFileSync } from "child_process";
import { CronExpressionParser } from "cron-parser";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { isFirstWednesdayInMalaysia } from "../scripts/scheduleGuard";

const DIR = path.join(__dirname, "..", ".github", "workflows");
const workflows = Object.fromEntries(
  fs.readdirSync(DIR).map((f) => [f, parse(fs.readFileSync(path.join(DIR, f), "utf8"), { merge: true })]),
);
const crons = (file: string): string[] => (workflows[file].on.schedule ?? []).map((s: { cron: string }) => s.cron);

/** GitHub evaluates cron in UTC: fire times in UTC from `from`, shown as Malaysia wall-clock time. */
function firesInMalaysia(cron: string, from: string, until: string): string[] {
  const expr = CronExpressionParser.parse(cron, { currentDate: new Date(from), endDate: new Date(until), tz: "UTC" });
  const out: string[] = [];
  while (expr.hasNext()) out.push(malaysia(expr.next().toDate()));
  return out;
}

function malaysia(at: Date): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Kuala_Lumpur",
    weekday: "short",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

test("every scheduled workflow is accounted for", () => {
  const scheduled = Object.keys(workflows)
    .filter((f) => crons(f).length > 0)
    .sort();
  expect(scheduled).toEqual(["drill-pre-notice.yml", "drill.yml", "restore-test.yml"]);
});

test("the pre-notice fires Mondays 08:45 MYT, 15 minutes before the drill at 09:00 MYT", () => {
  // 2026-11-29 is a Sunday: the window covers two Mondays.
  expect(firesInMalaysia(crons("drill-pre-notice.yml")[0], "2026-11-28T00:00:00Z", "2026-12-09T00:00:00Z")).toEqual([
    "Mon 2026-11-30 08:45",
    "Mon 2026-12-07 08:45",
  ]);
  expect(firesInMalaysia(crons("drill.yml")[0], "2026-11-28T00:00:00Z", "2026-12-09T00:00:00Z")).toEqual([
    "Mon 2026-11-30 09:00",
    "Mon 2026-12-07 09:00",
  ]);
});

test.each([
  // April 2026 starts on a Wednesday: the 1st is the first Wednesday.
  ["2026-04", "2026-03-31T16:00:00Z", "2026-04-30T16:00:00Z", "Wed 2026-04-01 22:00"],
  // October 2026 starts on a Thursday: the first Wednesday is the 7th, not the 1st.
  ["2026-10", "2026-09-30T16:00:00Z", "2026-10-31T16:00:00Z", "Wed 2026-10-07 22:00"],
])("restore test in %s: fires every Wednesday 22:00 MYT, the guard admits exactly the first Wednesday", (_month, from, until, first) => {
  const expr = CronExpressionParser.parse(crons("restore-test.yml")[0], {
    currentDate: new Date(from),
    endDate: new Date(until),
    tz: "UTC",
  });
  const fires: Date[] = [];
  while (expr.hasNext()) fires.push(expr.next().toDate());
  expect(fires.length).toBeGreaterThanOrEqual(4);
  expect(fires.every((f) => malaysia(f).startsWith("Wed") && malaysia(f).endsWith("22:00"))).toBe(true);
  expect(fires.filter(isFirstWednesdayInMalaysia).map(malaysia)).toEqual([first]);
});

test("the guard judges the date in Malaysia, not UTC", () => {
  // 16:30 UTC Tuesday 2026-10-06 is already Wednesday 00:30 on 2026-10-07 in Malaysia.
  expect(isFirstWednesdayInMalaysia(new Date("2026-10-06T16:30:00Z"))).toBe(true);
  // 16:30 UTC Wednesday 2026-04-01 is Thursday in Malaysia.
  expect(isFirstWednesdayInMalaysia(new Date("2026-04-01T16:30:00Z"))).toBe(false);
  expect(isFirstWednesdayInMalaysia(new Date("2026-04-08T14:00:00Z"))).toBe(false);
});

test("the restore workflow destroys only on success, notifies on failure, keeps reports, and is guarded", () => {
  const wf = workflows["restore-test.yml"];
  const steps: { name?: string; run?: string; if?: string; uses?: string }[] = wf.jobs.restore.steps;
  expect(wf.jobs.restore.if).toBe("needs.guard.outputs.run == 'true'");
  expect(wf.jobs.guard.steps.map((s: { run?: string }) => s.run ?? "").join("\n")).toContain(
    "npx tsx scripts/scheduleGuard.ts first-wednesday",
  );
  const by = (pred: (s: (typeof steps)[number]) => boolean) => steps.find(pred)!;
  expect(by((s) => s.run === "pulumi up --yes --stack restore")).toBeDefined();
  expect(by((s) => s.run === "pulumi destroy --yes --stack restore").if).toBe("success()");
  expect(by((s) => (s.run ?? "").includes("--preset restore-failure")).if).toBe("failure()");
  expect(by((s) => s.uses === "actions/upload-artifact@v4").if).toBe("always()");
});

test("the rollback previews with --diff, then waits for an environment approval before pulumi up", () => {
  const wf = workflows["rollback.yml"];
  expect(Object.keys(wf.on)).toEqual(["workflow_dispatch"]);
  expect(Object.keys(wf.on.workflow_dispatch.inputs)).toEqual(["stack", "web", "api", "worker", "baileys"]);
  const runs = (job: string) => wf.jobs[job].steps.map((s: { run?: string }) => s.run ?? "").join("\n");
  expect(runs("preview")).toContain('pulumi preview --diff --stack "$STACK"');
  expect(runs("preview")).toContain("scripts/setImageTags.sh");
  expect(runs("up")).toContain("scripts/setImageTags.sh");
  expect(wf.jobs.up.needs).toBe("preview");
  expect(wf.jobs.up.environment).toBe("rollback-${{ inputs.stack }}");
  expect(runs("up")).toContain('pulumi up --yes --diff --stack "$STACK"');
});

test("a change to any stack file gets pulumi preview --diff", () => {
  const wf = workflows["stack-config-preview.yml"];
  expect(wf.on.pull_request.paths).toEqual(["Pulumi.*.yaml"]);
  expect(wf.on.push.paths).toEqual(["Pulumi.*.yaml"]);
  expect(wf.jobs.preview.steps.map((s: { run?: string }) => s.run ?? "").join("\n")).toContain('pulumi preview --diff --stack "$stack"');
  expect(wf.jobs.preview.steps.map((s: { run?: string }) => s.run ?? "").join("\n")).toContain("rehearsal-*) echo");
});

test("the drill workflow runs every step again with a fresh runId, set as a path inside spec1:drill", () => {
  const runs = workflows["drill.yml"].jobs.drill.steps.map((s: { run?: string }) => s.run ?? "").join("\n");
  expect(runs).toContain(
    'pulumi up --yes --stack drill --config-path --config "spec1:drill.runId=${{ github.run_id }}-${{ github.run_attempt }}"',
  );
  expect(workflows["drill-pre-notice.yml"].jobs.notify.steps.at(-1).run).toContain(
    "npx tsx scripts/notify.ts --stack drill --preset drill-pre-notice",
  );
});

test("setImageTags.sh sets exactly the non-blank tags on the chosen stack", () => {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-fake-pulumi-"));
  try {
    // A stand-in `pulumi` that records its arguments: the script's commands are the data under test.
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" >> "${bin}/calls"\n`, { mode: 0o755 });
    const env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      STACK: "prod",
      TAG_WEB: "",
      TAG_API: "20240418",
      TAG_WORKER: "",
      TAG_BAILEYS: "20240301",
    };
    execFileSync(path.join(__dirname, "..", "scripts", "setImageTags.sh"), { env, stdio: "ignore" });
    expect(fs.readFileSync(path.join(bin, "calls"), "utf8").trim().split("\n")).toEqual([
      "config set --path imageTags.api 20240418 --stack prod",
      "config set --path imageTags.baileys 20240301 --stack prod",
    ]);
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});
