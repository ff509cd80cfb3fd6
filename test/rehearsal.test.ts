/**
 * The rehearsal end to end: the clean run passes with the runbook's verification lines; each `--break`
 * fault fails its procedure with the provider's own message and the runbook's next steps; and nothing
 * it started (servers, provider host, program process) or wrote to the temp dir outlives it — also
 * when it is run as the CLI and interrupted with Ctrl-C.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { FAULTS, Fault } from "../rehearsal/faults";
import { rehearse, RehearsalResult, RehearseOptions } from "../rehearsal/rehearse";

const ROOT = path.resolve(__dirname, "..");
let tmpRoot: string;
let savedTmpdir: string | undefined;

beforeAll(() => {
  // Everything the rehearsal (and all it starts) puts in the temp dir lands here, so "nothing left" is checkable.
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-test-"));
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = path.join(tmpRoot, "tmp");
  fs.mkdirSync(process.env.TMPDIR);
});

afterAll(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function expectNothingLeft(ports: readonly number[], pids: readonly number[]): Promise<void> {
  expect(ports.length).toBeGreaterThan(0);
  expect(await Promise.all(ports.map(async (p) => [p, await answers(p)]))).toEqual(ports.map((p) => [p, false]));
  expect(pids.filter(alive)).toEqual([]);
  // tsx's compile cache is the user's, not the rehearsal's: it stays, warm for the next run.
  expect(fs.readdirSync(process.env.TMPDIR!).filter((f) => !f.startsWith("tsx-"))).toEqual([]);
}

async function run(opts: RehearseOptions): Promise<{ result: RehearsalResult; output: string }> {
  const lines: string[] = [];
  const reportsDir = fs.mkdtempSync(path.join(tmpRoot, "reports-"));
  const result = await rehearse({ ...opts, reportsDir, log: (l) => lines.push(l) });
  await expectNothingLeft(result.ports, result.pids);
  return { result, output: lines.join("\n") };
}

describe("a clean rehearsal", () => {
  let result: RehearsalResult;
  let output: string;
  beforeAll(async () => ({ result, output } = await run({})));

  test("passes every procedure and says so", () => {
    expect(result.procedures.map((p) => [p.procedure, p.ok, p.error])).toEqual([
      ["rollback", true, undefined],
      ["restore", true, undefined],
      ["drill", true, undefined],
    ]);
    expect(result.ok).toBe(true);
    expect(output).toContain("Result: all 3 procedures passed");
  });

  test("prints the rollback's preview --diff: the rolled-back image, its container and the checks of that image", () => {
    expect(output).toContain("$ pulumi config set --path imageTags.api 20240418");
    expect(output).toMatch(/\+-docker:index\/remoteImage:RemoteImage: \(replace\) spec1-api-image\n\s+~ name: "registry\/app-api:20240502" => "registry\/app-api:20240418"/);
    expect(output).toMatch(/\+-docker:index\/container:Container: \(replace\) spec1-api\n/);
    expect(output).toMatch(/\+-pulumi-nodejs:dynamic:Resource: \(replace\) spec1-checks-api-health\n/);
    expect(output).not.toMatch(/\) spec1-(web|worker|baileys)(-image)?\n/);
    // The other checks are not re-run: their image did not change.
    expect(output).toMatch(/✓ spec1-checks-send-rate unchanged/);
  });

  test("ends with the runbook's verification lines, measured", () => {
    const verification = output.slice(output.indexOf("Verification (runbook):"));
    expect(verification).toMatch(/rollback: health: HTTP 200 \{"status":"ok"\}/);
    expect(verification).toMatch(/rollback: send rate: [\d.]+\/min, failure ratio [\d.]+/);
    expect(verification).toMatch(/rollback: queues draining: .*outbound-messages (drained|falling)/);
    expect(verification).toMatch(/restore: restore passed: RTO [\d.]+ s .*RPO \d+ (s|min)/);
    // The smoke SQL finds what was seeded (120 users, tickets 30 per status).
    expect(verification).toMatch(/restore: smoke users:\n[^]*\b120\b/);
    expect(verification).toMatch(/closed\s+\|\s+30/);
    expect(verification).toMatch(/drill: session sales-1: open/);
    expect(verification).toMatch(/drill: session support-1: open/);
    expect(verification).toMatch(/drill: outbound queues resumed: outbound-messages/);
    expect(verification).toMatch(/drill: test message delivered/);
  });

  test("lists every report it wrote, the procedures' own and its summary", () => {
    const names = result.reports.map((f) => path.basename(f));
    for (const prefix of ["postmortem-", "restore-", "drill-", "rehearsal-"]) expect(names.filter((n) => n.startsWith(prefix)).length).toBeGreaterThanOrEqual(2);
    for (const file of result.reports) expect(output).toContain(file);
    const summary = JSON.parse(fs.readFileSync(result.reports.find((f) => /^rehearsal-.*\.json$/.test(path.basename(f)))!, "utf8"));
    expect(summary.procedures.map((p: { procedure: string; ok: boolean }) => [p.procedure, p.ok])).toEqual([["rollback", true], ["restore", true], ["drill", true]]);
  });

  test("never prints or writes a generated secret", () => {
    const written = result.reports.map((f) => fs.readFileSync(f, "utf8")).join("\n");
    for (const text of [output, written]) expect(text).not.toMatch(/redis:\/\/:[0-9a-f]{24}@/);
  });
});

const EXPECTED: Record<Fault, RegExp> = {
  "health-degraded": /spec1-checks-api-health: .*degraded/,
  "queue-stuck": /spec1-checks-queues: queues on .* not draining/,
  "metrics-missing": /spec1-checks-send-rate: .*baileys_messages_sent_total/,
  "truncated-dump": /spec1-restore-restore: restore test failed: pg_restore failed .*end of file/,
  "stale-backup": /older than backup\.maxAgeHours = 0\.0001 h: BACKUP_DAILY has stopped/,
  "no-qr": /no-qr/,
  "message-lost": /test message/i,
};

// --break no-qr is run through the CLI below, with the same assertions.
describe.each((Object.keys(FAULTS) as Fault[]).filter((f) => f !== "no-qr"))("--break %s", (fault) => {
  test("fails its procedure with the provider's message and the runbook's next steps", async () => {
    const { procedure } = FAULTS[fault];
    const { result, output } = await run({ fault, only: [procedure] });
    expect(result.ok).toBe(false);
    expect(result.procedures).toHaveLength(1);
    expect(result.procedures[0].error).toMatch(EXPECTED[fault]);
    expect(output).toContain(`✗ ${procedure} FAILED`);
    expect(output).toContain(FAULTS[fault].next[0]);
    expect(output).toContain("Result: FAILED — 1 of 1 procedures failed");
  });
});

describe("the CLI", () => {
  function cli(args: string[]) {
    const child = spawn(process.execPath, ["--import", "tsx", "rehearsal/rehearse.ts", ...args], { cwd: ROOT, env: { ...process.env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, exit, output: () => output };
  }
  const portsIn = (output: string) => [...output.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));

  test("exits 1 on a failed procedure (--break no-qr), with the provider's message and the runbook's next steps; 2 on a usage error", async () => {
    const reports = path.join(tmpRoot, "cli-reports");
    const failed = cli(["--only", "drill", "--break", "no-qr", "--reports", reports]);
    expect(await failed.exit).toBe(1);
    expect(failed.output()).toContain("✗ drill FAILED");
    expect(failed.output()).toMatch(EXPECTED["no-qr"]);
    expect(failed.output()).toContain(FAULTS["no-qr"].next[0]);
    expect(fs.readdirSync(reports).length).toBeGreaterThan(0);
    await expectNothingLeft(portsIn(failed.output()), []);
    const usage = cli(["--break", "everything"]);
    expect(await usage.exit).toBe(2);
    expect(usage.output()).toContain("--break everything: unknown fault; use one of health-degraded,");
  });

  test("Ctrl-C mid-procedure stops everything it started, the program's process included, and removes its temp dir", async () => {
    const before = programProcesses();
    const run = cli(["--only", "rollback", "--reports", path.join(tmpRoot, "cli-interrupted")]);
    await new Promise<void>((resolve) => run.child.stdout!.on("data", () => run.output().includes("the stack as last deployed") && resolve()));
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(130);
    expect(run.output()).toContain("SIGINT: stopping everything the rehearsal started");
    await expectNothingLeft(portsIn(run.output()), []);
    expect(programProcesses().filter((pid) => !before.includes(pid))).toEqual([]);
  });
});

/** Pids of running rehearsal program processes (rehearsal/programChild.ts). */
function programProcesses(): number[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, "utf8").includes("rehearsal/programChild.ts");
      } catch {
        return false;
      }
    })
    .map(Number);
}
