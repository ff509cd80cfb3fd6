/**
 * The workflows read as data (timeouts against the bounds they run, secrets' reach, cancellation paths,
 * the rollback's approval and plan), and the scripts beside `pulumi` run for real: shell scripts with a
 * stand-in `pulumi`, the GitHub REST calls against a local stand-in API, the linter on failing probes.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { parseChecksConfig } from "../config/checks";
import { parseDrillConfig } from "../config/drill";
import { parseRestoreConfig } from "../config/restore";
import { readStackConfig } from "../config/stackFile";
import { MINUTE_MS } from "../lib/time";
import { main as github } from "../scripts/github";
import { lintPipelines, lintWorkflow, shellcheckFiles, shellcheckStdin } from "../scripts/lintPipelines";
import { main as guard } from "../scripts/scheduleGuard";
import { validateStack } from "../scripts/validateStack";
import { Received, startWebhookReceiver, WebhookCall } from "../sim/services/receivers";

const ROOT = path.join(__dirname, "..");
const SCRIPTS = path.join(ROOT, "scripts");
type Step = {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
};
type Job = {
  "runs-on": unknown;
  "timeout-minutes"?: number;
  steps: Step[];
  env?: unknown;
  if?: string;
  environment?: string;
  needs?: unknown;
};
const workflows: Record<string, { jobs: Record<string, Job>; env?: Record<string, string>; on: any }> = Object.fromEntries(
  fs
    .readdirSync(path.join(ROOT, ".github/workflows"))
    .map((f) => [f, parse(fs.readFileSync(path.join(ROOT, ".github/workflows", f), "utf8"))]),
);
const jobs = () => Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([name, job]) => ({ file, name, job })));
const step = (file: string, job: string, pred: (s: Step) => boolean) => workflows[file].jobs[job].steps.find(pred)!;
const timeoutMs = (file: string, job: string) => workflows[file].jobs[job]["timeout-minutes"]! * MINUTE_MS;

describe("timeouts: every job has one, above the longest bound it runs", () => {
  test("every job sets timeout-minutes (GitHub's default is 6 hours)", () => {
    expect(
      jobs()
        .filter((j) => typeof j.job["timeout-minutes"] !== "number")
        .map((j) => `${j.file}:${j.name}`),
    ).toEqual([]);
  });

  test("drill: the wait for the start, then 3 sessions × every attempt's QR and open waits, the test message", () => {
    const d = parseDrillConfig(readStackConfig("drill").drill, new Date());
    // The planning figure docs/pipelines.md states: raise timeout-minutes when drilling more sessions.
    const sessions = d.sessions?.length ?? 3;
    const perSession = d.qrAttempts * (d.qrTimeoutMs + d.openTimeoutMs + d.requestTimeoutMs);
    const bound = 17 * MINUTE_MS + sessions * perSession + d.testMessage.confirmTimeoutMs + 4 * d.requestTimeoutMs;
    expect(bound).toBe(4_450_000);
    expect(timeoutMs("drill.yml", "drill")).toBeGreaterThan(bound);
  });

  test("restore: the restore's own bound, the server's start, the smoke SQL and the download", () => {
    const r = parseRestoreConfig(readStackConfig("restore"));
    const bound =
      r.restore.timeoutMs + r.disposablePostgres.startTimeoutMs + r.smoke.length * r.restore.statementTimeoutMs + r.backup.timeoutMs;
    expect(bound).toBe(7_470_000);
    expect(timeoutMs("restore-test.yml", "restore")).toBeGreaterThan(bound);
  });

  test("rollback: every post-deploy check's deadline, one after the other", () => {
    const c = parseChecksConfig(readStackConfig("prod").checks);
    const bound = [c.health, c.web, c.sendRate, c.queues, c.qr].reduce((sum, check) => sum + check.deadlineMs, 0);
    expect(bound).toBe(840_000);
    expect(timeoutMs("rollback.yml", "up")).toBeGreaterThan(bound);
  });
});

describe("secrets and the state backend", () => {
  test("no secret in a workflow's or a job's environment, none in npm ci: only steps that use one get it", () => {
    for (const [file, wf] of Object.entries(workflows)) {
      expect({ file, env: JSON.stringify(wf.env ?? {}) }).toEqual({ file, env: expect.not.stringContaining("secrets.") });
      for (const [name, job] of Object.entries(wf.jobs)) {
        expect({ file, name, env: JSON.stringify(job.env ?? {}) }).toEqual({ file, name, env: expect.not.stringContaining("secrets.") });
        for (const s of job.steps.filter((s) => (s.run ?? "").startsWith("npm ci"))) expect(s.env).toBeUndefined();
      }
    }
  });

  test("every step running pulumi has both backends' variables and checks them first; updates run by exec", () => {
    const runsPulumi = (s: Step) =>
      (s.run ?? "").split("\n").some((l) => /^\s*((exec )?pulumi (up|preview|destroy)|scripts\/setImageTags\.sh)\b/.test(l));
    const pulumiSteps = jobs().flatMap((j) => j.job.steps.filter(runsPulumi));
    expect(pulumiSteps.length).toBe(6);
    for (const s of pulumiSteps) {
      expect(s.env).toMatchObject({
        PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
        PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      });
      expect(s.run!.trim().split("\n")[0]).toMatch(/^(set -o pipefail|scripts\/pulumiBackend\.sh)$/);
      expect(s.run).toContain("scripts/pulumiBackend.sh");
      for (const line of s.run!.split("\n").filter((l) => /pulumi (up|destroy) /.test(l))) expect(line.trim()).toMatch(/^exec pulumi /);
    }
  });

  test("the Pulumi CLI is pinned, the same everywhere, past the releases that hid dynamic-provider output", () => {
    const pins = jobs().flatMap((j) =>
      j.job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@")).map((s) => s.with?.["pulumi-version"]),
    );
    expect(pins.length).toBe(5);
    expect(new Set(pins)).toEqual(new Set(["3.248.0"]));
  });

  test("a pull request's code runs only on a GitHub-hosted runner, with no secret and no install script", () => {
    const wf = workflows["stack-config-preview.yml"];
    const prJobs = Object.values(wf.jobs).filter((j) => !j.if || j.if.includes("pull_request"));
    expect(prJobs.map((j) => j["runs-on"])).toEqual(["ubuntu-latest"]);
    expect(JSON.stringify(prJobs)).not.toMatch(/secrets\.|vars\./);
    expect(prJobs[0].steps.map((s) => s.run ?? "").join("\n")).toContain("npm ci --no-audit --no-fund --ignore-scripts");
    expect(wf.jobs.preview.if).toBe("github.event_name == 'push'");
  });

  test("scripts/pulumiBackend.sh names what is missing, and never prints a secret", () => {
    const run = (env: Record<string, string>) =>
      spawnSync(path.join(SCRIPTS, "pulumiBackend.sh"), { env: { PATH: process.env.PATH!, ...env }, encoding: "utf8" });
    expect(run({ PULUMI_ACCESS_TOKEN: "pul-secret-1" })).toMatchObject({ status: 0, stdout: "pulumi state: Pulumi Cloud\n" });
    expect(run({ PULUMI_BACKEND_URL: "s3://state?region=x&secret=y", PULUMI_CONFIG_PASSPHRASE: "pp-secret-2" })).toMatchObject({
      status: 0,
      stdout: "pulumi state: DIY backend s3://state, secrets by passphrase\n",
    });
    expect(run({ PULUMI_BACKEND_URL: "file:///srv/pulumi", PULUMI_ACCESS_TOKEN: "" })).toMatchObject({
      status: 1,
      stderr:
        "pulumi state: PULUMI_BACKEND_URL is set (DIY backend) but PULUMI_CONFIG_PASSPHRASE is not; add the repository secret PULUMI_CONFIG_PASSPHRASE (the passphrase the stacks were created with)\n",
    });
    expect(run({})).toMatchObject({
      status: 1,
      stderr:
        'pulumi state: neither PULUMI_ACCESS_TOKEN (Pulumi Cloud) nor PULUMI_BACKEND_URL (DIY backend) is set; set one as in README "State and secrets"\n',
    });
  });
});

describe("cancellation and failure paths", () => {
  test("the missed-report alert never stops the run that makes it", () => {
    for (const [file, job] of [
      ["drill.yml", "notice"],
      ["restore-test.yml", "guard"],
    ]) {
      const s = step(file, job, (s) => (s.run ?? "").includes("missed-report"));
      expect({ file, if: s.if, continueOnError: (s as { "continue-on-error"?: boolean })["continue-on-error"] }).toEqual({
        file,
        if: "github.event_name == 'schedule'",
        continueOnError: true,
      });
    }
  });

  test("the drill: a cancelled or report-less run resumes the queues by the drill's marker and notifies", () => {
    const s = step("drill.yml", "drill", (s) => (s.run ?? "").includes("drill:resume"));
    expect(s.if).toBe("cancelled() || (failure() && hashFiles('reports/drill-*.json') == '')");
    expect(s.run).toBe('npm run drill:resume -- --stack drill --link "$RUN_URL"');
    expect(Object.keys(s.env!)).toEqual(expect.arrayContaining(["PULUMI_ACCESS_TOKEN", "SPEC1_NOTIFY_WEBHOOK_URL"]));
  });

  test("the restore: the DBA is told on failure and on cancellation, with the newest report attached when there is one", () => {
    const s = step("restore-test.yml", "restore", (s) => (s.run ?? "").includes("--preset restore-failure"));
    expect(s.if).toBe("cancelled() || failure()");
    expect(s.run).toContain('--attach "${report:-none}" --line "Job status: $STATUS"');
    expect(step("restore-test.yml", "restore", (s) => (s.run ?? "").includes("pulumi destroy")).if).toBe("success()");
  });

  test("every job that runs pulumi up releases the lock only when its own update was stopped", () => {
    const ups = jobs().filter((j) => j.job.steps.some((s) => (s.run ?? "").includes("exec pulumi up")));
    expect(ups.map((j) => `${j.file}:${j.name}`)).toEqual(["drill.yml:drill", "restore-test.yml:restore", "rollback.yml:up"]);
    for (const { file, job } of ups) {
      const locking = job.steps.filter((s) => /exec pulumi (up|destroy)/.test(s.run ?? ""));
      for (const s of locking) expect(s.run).toMatch(/echo \$\$ > "\$RUNNER_TEMP\/spec1-pulumi-[^"]+\.pid"\n\s*exec pulumi (up|destroy)/);
      const stopped = locking.map((s) => `steps.${s.id}.outcome == 'cancelled'`);
      const release = job.steps.find((s) => (s.run ?? "").includes("releaseStackLock.sh"))!;
      expect({ file, if: release.if }).toEqual({
        file,
        if: stopped.length === 1 ? `cancelled() && ${stopped[0]}` : `cancelled() && (${stopped.join(" || ")})`,
      });
      expect(locking.map((s) => s.id)).toEqual(file === "restore-test.yml" ? ["up", "destroy"] : ["up"]);
    }
  });

  test("the rollback: approval checked, preview in the summary and saved as the plan up applies, tags proposed by PR, failure announced", () => {
    const wf = workflows["rollback.yml"];
    const runs = (job: string) => wf.jobs[job].steps.map((s) => s.run ?? "").join("\n");
    expect(runs("preview")).toContain('npx tsx scripts/github.ts require-reviewers "rollback-$STACK"');
    expect(runs("preview")).toContain('pulumi preview --diff --stack "$STACK" --save-plan rollback-plan.json 2>&1 | tee preview.txt');
    expect(runs("preview")).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(wf.jobs.up.environment).toBe("rollback-${{ inputs.stack }}");
    expect(wf.jobs.up.needs).toBe("preview");
    expect(runs("up")).toContain('exec pulumi up --yes --diff --stack "$STACK" --plan rollback-plan.json');
    expect(runs("up")).toContain('npx tsx scripts/github.ts open-pr --head "$branch"');
    expect(wf.jobs.failed.if).toBe("failure() || cancelled()");
    expect(runs("failed")).toContain(
      'npx tsx scripts/notify.ts --stack "$STACK" --kind rollback --subject "Rollback of $STACK did NOT complete',
    );
  });
});

describe("scripts beside pulumi", () => {
  let bin: string;
  beforeEach(() => {
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-fake-pulumi-"));
    // A stand-in `pulumi` that records its arguments: the scripts' commands are the data under test.
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "$@" >> "${bin}/calls"\n`, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));
  const calls = () => (fs.existsSync(path.join(bin, "calls")) ? fs.readFileSync(path.join(bin, "calls"), "utf8") : "");
  const env = (extra: Record<string, string>) => ({ ...process.env, PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: bin, ...extra });

  test("setImageTags.sh sets exactly the non-blank tags on the chosen stack", () => {
    const tags = { STACK: "prod", TAG_WEB: "", TAG_API: "20240418", TAG_WORKER: "", TAG_BAILEYS: "20240301" };
    execFileSync(path.join(SCRIPTS, "setImageTags.sh"), { env: env(tags), stdio: "ignore" });
    expect(calls()).toBe(
      "config set --path imageTags.api 20240418 --stack prod\nconfig set --path imageTags.baileys 20240301 --stack prod\n",
    );
  });

  test("releaseStackLock.sh cancels only an update this job started and that has ended", () => {
    const release = () => spawnSync(path.join(SCRIPTS, "releaseStackLock.sh"), ["drill"], { env: env({}), encoding: "utf8" });
    expect(release()).toMatchObject({ status: 0, stdout: "stack drill: this job started no pulumi update; nothing to release\n" });
    expect(calls()).toBe("");
    const ended = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
    fs.writeFileSync(path.join(bin, "spec1-pulumi-drill.pid"), `${ended}\n`);
    expect(release()).toMatchObject({
      status: 0,
      stdout: `stack drill: this job's update (pid ${ended}) was stopped; cancelling it so the next run finds the stack unlocked\n`,
    });
    expect(calls()).toBe("cancel --yes --stack drill\n");
    expect(fs.existsSync(path.join(bin, "spec1-pulumi-drill.pid"))).toBe(false);
  });

  test("changedStacks.sh lists changed stack files, not removed ones nor rehearsal templates", () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-stacks-"));
    try {
      const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo });
      for (const s of ["prod", "staging", "rehearsal-app", "old"]) fs.writeFileSync(path.join(repo, `Pulumi.${s}.yaml`), "config: {}\n");
      git("init", "-q");
      git("add", ".");
      git("commit", "-qm", "base");
      for (const s of ["prod", "rehearsal-app"]) fs.appendFileSync(path.join(repo, `Pulumi.${s}.yaml`), "# changed\n");
      fs.rmSync(path.join(repo, "Pulumi.old.yaml"));
      git("commit", "-qam", "change");
      const out = spawnSync(path.join(SCRIPTS, "changedStacks.sh"), ["HEAD~1", "HEAD"], { cwd: repo, encoding: "utf8" });
      expect(out.stdout).toBe("prod\n");
      expect(out.stderr).toBe("stack old: file removed, nothing to check\nstack rehearsal-app: rehearsal template, not a Pulumi stack\n");
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  });

  test("validateStack accepts every committed stack file and names the key of a bad value", () => {
    for (const stack of ["prod", "staging", "restore", "drill"]) expect(validateStack(stack)).toBe(readStackConfig(stack).role ?? "app");
    fs.writeFileSync(
      path.join(bin, "Pulumi.bad.yaml"),
      'config:\n  spec1:role: app\n  spec1:registry: r\n  spec1:imageTags: { web: latest, api: "1", worker: "1", baileys: "1" }\n',
    );
    expect(() => validateStack("bad", bin)).toThrow(
      'imageTags.web: "latest" is not a pinned tag; set e.g. 20240418 (pulumi config set --path imageTags.web 20240418)',
    );
  });
});

describe("GitHub's REST API, through a local stand-in", () => {
  let api: http.Server;
  let apiUrl: string;
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  const seen: { method: string; url: string; auth: string; body: string }[] = [];
  let hook: Received<WebhookCall>;
  let stackDir: string;

  beforeAll(async () => {
    api = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, auth: String(req.headers.authorization), body });
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    hook = await startWebhookReceiver();
    stackDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-gh-"));
    fs.writeFileSync(path.join(stackDir, "Pulumi.restore.yaml"), "config:\n  spec1:role: restore\n");
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => api.close(() => resolve()));
    await hook.close();
    fs.rmSync(stackDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen.length = 0;
    hook.items.length = 0;
  });
  const env = { GITHUB_API_URL: "", GITHUB_REPOSITORY: "acme/spec1-ops", GITHUB_TOKEN: "ghs-secret-token-77" };
  const gh = async (args: string[]) => {
    const lines: string[] = [];
    await github(args, { ...env, GITHUB_API_URL: apiUrl }, (l) => lines.push(l));
    return lines;
  };

  test.each([
    [
      404,
      { message: "Not Found" },
      'environment rollback-prod does not exist: a job naming it would create it without protection, so nobody would approve the rollback; create it and add required reviewers to it in Settings → Environments → rollback-prod (docs/pipelines.md, "Approval")',
    ],
    [
      200,
      { name: "rollback-prod", protection_rules: [] },
      'environment rollback-prod has no required reviewers: the rollback would run unapproved; add required reviewers to it in Settings → Environments → rollback-prod (docs/pipelines.md, "Approval")',
    ],
    [
      200,
      { protection_rules: [{ type: "wait_timer", wait_timer: 5 }] },
      'environment rollback-prod has no required reviewers: the rollback would run unapproved; add required reviewers to it in Settings → Environments → rollback-prod (docs/pipelines.md, "Approval")',
    ],
  ])("an approval environment answering %s %j is refused", async (status, body, message) => {
    answer = { status, body };
    await expect(gh(["require-reviewers", "rollback-prod"])).rejects.toThrow(new Error(message));
    expect(seen[0]).toMatchObject({
      method: "GET",
      url: "/repos/acme/spec1-ops/environments/rollback-prod",
      auth: "Bearer ghs-secret-token-77",
    });
  });

  test("an environment with required reviewers passes, naming them", async () => {
    const reviewers = [
      { type: "User", reviewer: { login: "lead-eng" } },
      { type: "Team", reviewer: { slug: "oncall" } },
    ];
    answer = { status: 200, body: { protection_rules: [{ type: "required_reviewers", reviewers }] } };
    expect(await gh(["require-reviewers", "rollback-prod"])).toEqual(["environment rollback-prod: approved by any of lead-eng, oncall"]);
  });

  test("open-pr proposes the branch to main", async () => {
    answer = { status: 201, body: { html_url: "https://github.com/acme/spec1-ops/pull/12" } };
    expect(await gh(["open-pr", "--head", "rollback/prod-9", "--title", "Rollback prod", "--body", "why"])).toEqual([
      "pull request: https://github.com/acme/spec1-ops/pull/12",
    ]);
    expect(seen[0].url).toBe("/repos/acme/spec1-ops/pulls");
    expect(JSON.parse(seen[0].body)).toEqual({ head: "rollback/prod-9", title: "Rollback prod", body: "why", base: "main" });
  });

  const missed = async (now: string) => {
    const lines: string[] = [];
    const code = await guard(
      ["missed-report", "--procedure", "restore", "--stack", "restore", "--stack-dir", stackDir, "--link", "https://ci/run/5"],
      { ...env, GITHUB_API_URL: apiUrl, SCHEDULE_GUARD_NOW: now, SPEC1_NOTIFY_WEBHOOK_URL: `${hook.url}/hook` },
      (l) => lines.push(l),
    );
    return { code, lines };
  };

  test("missed-report: the first-Wednesday run dropped, the next Wednesday's run alerts, naming the missing run", async () => {
    answer = {
      status: 200,
      body: { total_count: 2, artifacts: [{ created_at: "2026-11-04T16:20:00Z" }, { created_at: "2026-10-07T15:00:00Z" }] },
    };
    expect(await missed("2026-12-09T14:07:00Z")).toEqual({ code: 0, lines: ["missed=true"] });
    expect(seen[0].url).toBe("/repos/acme/spec1-ops/actions/artifacts?name=restore-report&per_page=100");
    expect(hook.items[0].json.text).toBe(
      [
        "*The monthly backup restore test of Wed 2026-12-02 22:07 MYT left no report*",
        "Newest restore-report artifact: Thu 2026-11-05 00:20 MYT.",
        "GitHub may have dropped or delayed the scheduled run, the self-hosted runner may have been offline, or the run died before uploading its report.",
        "Run it now: Actions → Monthly restore test (restore-test.yml) → Run workflow, or by hand: pulumi up -s restore.",
        "Run: https://ci/run/5",
      ].join("\n"),
    );
  });

  test("missed-report: a run delayed past midnight that reported counts; nothing is sent", async () => {
    answer = { status: 200, body: { artifacts: [{ created_at: "2026-12-02T18:40:00Z" }] } };
    expect(await missed("2026-12-09T14:07:00Z")).toEqual({ code: 0, lines: ["missed=false"] });
    expect(hook.items).toEqual([]);
  });
});

describe("the linter finds what it must", () => {
  test("its shellcheck command lines", () => {
    expect([shellcheckFiles(["scripts/setup", "a.sh"])].map((c) => [c.command, ...c.args].join(" "))).toEqual([
      "shellcheck --format=gcc scripts/setup a.sh",
    ]);
    expect([shellcheckStdin().command, ...shellcheckStdin().args].join(" ")).toBe("shellcheck --format=gcc --shell=bash -");
  });

  test("a probe workflow: a typo'd status function, a bad timeout, an unknown context property and a shell bug in run:", async () => {
    const probe = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: [self-hosted, spec1]",
      "    timeout-minutes: soon",
      "    steps:",
      "      - if: cancelled() || failur()",
      "        run: echo ${{ github.evnt_name }}",
      "      - run: |",
      "          files=$(ls *.json)",
      "          rm $files",
      "",
    ].join("\n");
    const findings = await lintWorkflow("probe.yml", probe);
    expect(findings.map((f) => `${f.line}:${f.column} ${f.rule}`)).toEqual([
      "5:22 syntax-check",
      "7:28 expression",
      "8:23 expression",
      "10:22 SC2035",
      "11:14 SC2086",
    ]);
    expect(findings[1].message).toContain('undefined function "failur"');
  }, 60_000);

  test("a shell script with a bug in a repository is found by its shebang", async () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-lint-"));
    try {
      fs.mkdirSync(path.join(repo, ".github/workflows"), { recursive: true });
      fs.writeFileSync(
        path.join(repo, ".github/workflows/ok.yml"),
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n",
      );
      fs.writeFileSync(path.join(repo, "deploy"), "#!/usr/bin/env bash\ncd $1\n[ $2 == x ] && echo\n", { mode: 0o755 });
      execFileSync("git", ["init", "-q"], { cwd: repo });
      execFileSync("git", ["add", "."], { cwd: repo });
      expect((await lintPipelines(repo)).map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
        "deploy:2 SC2164",
        "deploy:2 SC2086",
        "deploy:3 SC2086",
      ]);
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
  }, 60_000);
});
