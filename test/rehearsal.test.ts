/**
 * The rehearsal end to end: the clean run passes with the runbook's verification lines; each `--break`
 * fault fails its procedure with the provider's own message and the runbook's next steps; and nothing
 * it started (servers, provider host, program process) or wrote to the temp dir outlives it — also
 * when it is run as the CLI and interrupted with Ctrl-C.
 *
 * For the time budget, the clean run (in this process, as a function) and the fault runs (as the CLI,
 * two at a time) all start together: most of a rehearsal is waiting on servers and child processes.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { NEXT_STEPS } from "../notify/nextSteps";
import { FAULTS, Fault } from "../rehearsal/faults";
import { diffStacks, formatPreview } from "../rehearsal/previewDiff";
import { rehearse, RehearsalResult } from "../rehearsal/rehearse";
import { pollUntil } from "../lib/poll";
import { portHolder } from "../restore/dockerServer";

const ROOT = path.resolve(__dirname, "..");
const CONCURRENT_CLI_RUNS = 2;
let tmpRoot: string;
const outerEnv = { ...process.env };

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

/**
 * Whether whoever listens on `port` now is of the run: one of `pids`, a process that inherited the run's
 * TMPDIR (every child of a CLI run does), a container, or a holder that cannot be told. A port the run freed
 * may be taken by another test file's server in the meantime; that one is not a leak.
 */
async function heldByRun(port: number, pids: readonly number[], tmpdir: string): Promise<boolean> {
  const holder = await portHolder(port);
  if (holder === undefined || holder.startsWith("container")) return true;
  const environ = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    } catch {
      return [];
    }
  };
  return [...holder.matchAll(/pid (\d+)/g)]
    .map((m) => Number(m[1]))
    .some((pid) => pids.includes(pid) || environ(pid).includes(`TMPDIR=${tmpdir}`));
}

/** No port the run used answers for it, no child it started lives, and its temp dir holds nothing of it. */
async function expectNothingLeft(ports: readonly number[], pids: readonly number[], tmpdir: string, inProcess = false): Promise<void> {
  expect(ports.length).toBeGreaterThan(0);
  // A run in this process: its own servers are this process's.
  const holders = inProcess ? [...pids, process.pid] : pids;
  const answering = (await Promise.all(ports.map(async (p) => ((await answers(p)) ? [p] : [])))).flat();
  const held = (await Promise.all(answering.map(async (p) => ((await heldByRun(p, holders, tmpdir)) ? [p] : [])))).flat();
  expect(held).toEqual([]);
  expect(pids.filter(alive)).toEqual([]);
  // tsx's compile cache is the user's, not the rehearsal's: it stays, warm for the next run.
  expect(fs.readdirSync(tmpdir).filter((f) => !f.startsWith("tsx-"))).toEqual([]);
}

/** A private temp dir for one run: whatever the rehearsal puts in the temp dir lands there. */
function privateTmpdir(name: string): string {
  const dir = path.join(tmpRoot, `tmp-${name}`);
  fs.mkdirSync(dir);
  return dir;
}

interface CliRun {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  readonly tmpdir: string;
  output(): string;
}

function cli(name: string, args: string[]): CliRun {
  const tmpdir = privateTmpdir(name);
  const child = spawn(process.execPath, ["--import", "tsx", "rehearsal/rehearse.ts", ...args], {
    cwd: ROOT,
    env: { ...outerEnv, TMPDIR: tmpdir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exit, tmpdir, output: () => output };
}

const portsIn = (output: string) => [...new Set([...output.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1])))];

/** The fault run with `--diff`: a drill whose QRs are shown (each is scanned) before its test message is lost. */
const DIFF_DISPLAY_FAULT: Fault = "message-lost";

/** Runs `--break <fault> --only <its procedure>` through the CLI for each fault, a few at a time. */
async function runFaults(faults: readonly Fault[]): Promise<Map<Fault, { code: number | null; output: string; tmpdir: string }>> {
  const results = new Map<Fault, { code: number | null; output: string; tmpdir: string }>();
  const queue = [...faults];
  const worker = async () => {
    for (let fault = queue.shift(); fault; fault = queue.shift()) {
      // One drill fault runs as `pulumi up --diff` would show it, every message in full as it arrives.
      const display = fault === DIFF_DISPLAY_FAULT ? ["--diff"] : [];
      const run = cli(fault, [
        "--break",
        fault,
        "--only",
        FAULTS[fault].procedure,
        ...display,
        "--reports",
        path.join(tmpRoot, `reports-${fault}`),
      ]);
      results.set(fault, { code: await run.exit, output: run.output(), tmpdir: run.tmpdir });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_CLI_RUNS }, worker));
  return results;
}

let clean: { result: RehearsalResult; output: string; tmpdir: string };
let faultRuns: Awaited<ReturnType<typeof runFaults>>;
/** The drill alone, its device scanning only the third QR while the gateway rotates. */
let thirdQr: { code: number | null; output: string };

beforeAll(async () => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-test-"));
  // The disposable Postgres runs as the `postgres` user below it: traversable, as /tmp is.
  fs.chmodSync(tmpRoot, 0o711);
  const faults = runFaults(Object.keys(FAULTS) as Fault[]);
  const third = cli("scan-qr-3", ["--only", "drill", "--scan-qr", "3", "--reports", path.join(tmpRoot, "reports-scan-qr-3")]);
  const tmpdir = privateTmpdir("clean");
  process.env.TMPDIR = tmpdir;
  const lines: string[] = [];
  const result = await rehearse({ reportsDir: path.join(tmpRoot, "reports-clean"), log: (l) => lines.push(l) });
  clean = { result, output: lines.join("\n"), tmpdir };
  faultRuns = await faults;
  thirdQr = { code: await third.exit, output: third.output() };
}, 300000);

afterAll(() => {
  process.env.TMPDIR = outerEnv.TMPDIR;
  if (outerEnv.TMPDIR === undefined) delete process.env.TMPDIR;
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

describe("a clean rehearsal", () => {
  let result: RehearsalResult;
  let output: string;
  beforeAll(() => ({ result, output } = clean));

  test("passes every procedure and says so, and leaves nothing behind", async () => {
    expect(result.procedures.map((p) => [p.procedure, p.ok, p.error])).toEqual([
      ["rollback", true, undefined],
      ["restore", true, undefined],
      ["drill", true, undefined],
    ]);
    expect(result.ok).toBe(true);
    expect(output).toContain("Result: all 3 procedures passed");
    await expectNothingLeft(result.ports, result.pids, clean.tmpdir, true);
  });

  test("restores into the runbook's container when a Docker daemon answers (the test run's), says so, and removes it", () => {
    expect(output).toMatch(/the restore runs on the docker engine \(container from spec1-sim\/postgres:17 on 127\.0\.0\.1:(\d+)\)/);
    const port = /spec1-sim\/postgres:17 on 127\.0\.0\.1:(\d+)/.exec(output)![1];
    expect(output).toMatch(new RegExp(`starting spec1-sim/postgres:17 as container spec1-restore-\\w+ on 127\\.0\\.0\\.1:${port}`));
    const left = execFileSync("docker", ["ps", "--all", "--filter", `publish=${port}`, "--format", "{{.Names}}"], { encoding: "utf8" });
    expect(left.trim()).toBe("");
  });

  test("prints the rollback's preview --diff: the rolled-back image, its container and the checks of that image", () => {
    expect(output).toContain("$ pulumi config set --path imageTags.api 20240418");
    expect(output).toMatch(
      /\+-docker:index\/remoteImage:RemoteImage: \(replace\) spec1-api-image\n\s+~ name: "registry\/app-api:20240502" => "registry\/app-api:20240418"/,
    );
    expect(output).toMatch(/\+-docker:index\/container:Container: \(replace\) spec1-api\n/);
    expect(output).toMatch(/\+-pulumi-nodejs:dynamic\/checks:ApiHealthCheck: \(replace\) spec1-checks-api-health\n/);
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
    for (const prefix of ["postmortem-", "restore-", "drill-", "rehearsal-"])
      expect(names.filter((n) => n.startsWith(prefix)).length).toBeGreaterThanOrEqual(2);
    for (const file of result.reports) expect(output).toContain(file);
    const summary = JSON.parse(
      fs.readFileSync(
        result.reports.find((f) => /^rehearsal-.*\.json$/.test(path.basename(f)))!,
        "utf8",
      ),
    );
    expect(summary.procedures.map((p: { procedure: string; ok: boolean }) => [p.procedure, p.ok])).toEqual([
      ["rollback", true],
      ["restore", true],
      ["drill", true],
    ]);
  });

  test("shows what pulumi up shows: the drill's QR by its first line on the stack's row during the up, in full under Diagnostics after it", () => {
    const drill = output.slice(output.indexOf("$ pulumi up -s drill"));
    const diagnostics = drill.indexOf("\n    Diagnostics:\n");
    expect(diagnostics).toBeGreaterThan(0);
    const [during, after] = [drill.slice(0, diagnostics), drill.slice(diagnostics)];
    // The row's line is all the operator has: it names the drill page, where the live QR is.
    expect(during).toMatch(
      /\n {6}│ pulumi:pulumi:Stack: info: \[runtime\] session sales-1: scan this QR \(attempt 1\/3, QR 1\) on the drill page http:\/\/127\.0\.0\.1:\d+\/[^\n]*\n/,
    );
    expect(during).not.toMatch(/[█▀▄]/);
    expect(after).toMatch(/\n {8}info: \[runtime\] session sales-1: scan this QR[^\n]*(\n {8}[ █▀▄]*)*\n {8}[ █▀▄]*[█▀▄]/);
  });

  test("--scan-qr 3: the device scans only the third QR; the drill follows the rotation and passes, each row line naming the page", () => {
    expect(thirdQr.code).toBe(0);
    const during = thirdQr.output.slice(0, thirdQr.output.indexOf("Diagnostics:"));
    for (const n of [1, 2, 3]) {
      const row = `│ pulumi:pulumi:Stack: info: \\[runtime\\] session sales-1: scan this QR \\(attempt 1/3, QR ${n}\\) on the drill page http://127\\.0\\.0\\.1:\\d+/`;
      expect(during).toMatch(new RegExp(row));
    }
    expect(during).not.toMatch(/[█▀▄]/);
    expect(thirdQr.output).toMatch(/drill: session sales-1: open after 1 attempt\(s\), 3 QR\(s\) shown/);
  });

  test("under --diff, prints every message in full as it arrives and no Diagnostics section", () => {
    const { output: diffOutput } = faultRuns.get(DIFF_DISPLAY_FAULT)!;
    expect(diffOutput).toMatch(/\n {6}│ info: \[runtime\] session sales-1: scan this QR[^\n]*(\n {6}│ [ █▀▄]*)*\n {6}│ [ █▀▄]*[█▀▄]/);
    expect(diffOutput).not.toContain("Diagnostics:");
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
  // pg_restore --jobs: each worker writes its prefix, "error: " and the message in separate fprintf calls
  // (postgres src/common/logging.c, pg_log_generic_v), so two workers' lines can interleave ("pg_restore:pg_restore:  error:").
  "truncated-dump":
    /spec1-restore-restore: restore test failed: pg_restore failed \(exit 1\): pg_restore:[^|]*error: (could not read from input file: end of file|could not find block ID)/,
  // The stack file's own RPO limit against the aged bucket: the real age, not a lowered limit.
  "stale-backup":
    /the newest backup spec-1\/\d{4}-\d\d-\d\dT02-00-00Z\.dump is 72\.\d h old \(taken [^)]+\), older than the RPO limit backup\.maxAgeMs = 26 h: BACKUP_DAILY has stopped/,
  "no-qr": /session sales-1: no-qr after 3 attempt\(s\)[^]*FAIL support-1: no-qr \(attempt 3\/3: no QR within [^]*escalated: webhook sent/,
  "message-lost": /test message: sent as msg-1, never reached the console/,
};

describe.each(Object.keys(FAULTS) as Fault[])("--break %s", (fault) => {
  test("fails its procedure with the provider's message and the runbook's next steps, exit code 1, nothing left behind", async () => {
    const { code, output, tmpdir } = faultRuns.get(fault)!;
    const { procedure } = FAULTS[fault];
    expect(code).toBe(1);
    expect(output).toContain(`✗ ${procedure} FAILED:`);
    expect(output.slice(output.indexOf(`✗ ${procedure} FAILED:`))).toMatch(EXPECTED[fault]);
    expect(output).toContain(NEXT_STEPS[procedure][0]);
    expect(output).toContain("Result: FAILED — 1 of 1 procedures failed");
    expect(fs.readdirSync(path.join(tmpRoot, `reports-${fault}`)).length).toBeGreaterThan(0);
    await expectNothingLeft(portsIn(output), [], tmpdir);
  });
});

describe("the CLI", () => {
  test("exits 2 on a usage error, naming the faults", async () => {
    const usage = cli("usage", ["--break", "everything"]);
    expect(await usage.exit).toBe(2);
    expect(usage.output()).toContain("--break everything: unknown fault; use one of health-degraded,");
    const engine = cli("usage-engine", ["--engine", "podman"]);
    expect(await engine.exit).toBe(2);
    expect(engine.output()).toContain("--engine podman: unknown engine; use docker or local");
  });

  test("Ctrl-C mid-procedure stops everything it started, the program's process included, and removes its temp dir", async () => {
    const before = programProcesses();
    const run = cli("interrupted", ["--only", "rollback", "--reports", path.join(tmpRoot, "reports-interrupted")]);
    await new Promise<void>((resolve) =>
      run.child.stdout!.on("data", () => run.output().includes("the stack as last deployed") && resolve()),
    );
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(130);
    expect(run.output()).toContain("SIGINT: stopping everything the rehearsal started");
    await expectNothingLeft(portsIn(run.output()), [], run.tmpdir);
    expect(programProcesses().filter((pid) => !before.includes(pid))).toEqual([]);
  });

  test("Ctrl-C while the restore's container is starting removes that container too (it is in no state yet)", async () => {
    const run = cli("interrupted-docker", ["--only", "restore", "--engine", "docker", "--reports", path.join(tmpRoot, "reports-docker")]);
    const port = await new Promise<number>((resolve) =>
      run.child.stdout!.on("data", () => {
        const m = /container from spec1-sim\/postgres:17 on 127\.0\.0\.1:(\d+)/.exec(run.output());
        if (m) resolve(Number(m[1]));
      }),
    );
    // Interrupted as soon as `docker run` has made the container, while it is still initialising.
    await pollUntil(
      async () => (containersBoundTo(port).length > 0 ? { done: true, value: undefined } : { done: false, seen: "none yet" }),
      {
        what: `a restore container bound to ${port}`,
        deadlineMs: 120000,
        intervalMs: 50,
      },
    );
    run.child.kill("SIGINT");
    expect(await run.exit).toBe(130);
    expect(containersBoundTo(port)).toEqual([]);
    await expectNothingLeft(portsIn(run.output()), [], run.tmpdir);
  }, 180000);
});

/** The restore's containers (label spec1.instance_id) that asked for host port `port`, in any state. */
function containersBoundTo(port: number): string[] {
  const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", timeout: 30000 });
  return docker("ps", "--all", "--quiet", "--filter", "label=spec1.instance_id")
    .split("\n")
    .filter(Boolean)
    .filter((id) => {
      try {
        return docker("inspect", "--format", "{{json .HostConfig.PortBindings}}", id).includes(`"HostPort":"${port}"`);
      } catch {
        return false; // removed meanwhile
      }
    });
}

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

describe("the preview diff, as `pulumi preview --diff` prints it", () => {
  const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "redis://:pw@r:6379" };
  const resource = (type: string, name: string, inputs: Record<string, unknown>) => ({ type, name, inputs, id: `${name}-id`, state: {} });
  const image = (tag: string) =>
    resource("docker:index/remoteImage:RemoteImage", "api-image", { name: `registry/app-api:${tag}`, keepLocally: true });

  test("shows only what changes, leaf by leaf, and a secret only as [secret]", () => {
    const olds = [
      image("1"),
      resource("docker:index/container:Container", "api", { image: "d1", envs: SECRET, ports: [{ external: 4000 }] }),
      resource("docker:index/network:Network", "net", { name: "spec1" }),
    ];
    const news = [
      image("2"),
      resource("docker:index/container:Container", "api", {
        image: "d2",
        envs: { ...SECRET, value: "redis://:other@r:6379" },
        ports: [{ external: 4000 }],
      }),
      resource("docker:index/network:Network", "net", { name: "spec1" }),
    ];
    const lines = formatPreview("prod", diffStacks(olds, news, new Map()), news.length);
    expect(lines).toEqual([
      "Previewing update (prod):",
      "  +-docker:index/remoteImage:RemoteImage: (replace) api-image",
      '      ~ name: "registry/app-api:1" => "registry/app-api:2"',
      "  +-docker:index/container:Container: (replace) api",
      "      ~ envs: [secret] => [secret]",
      '      ~ image: "d1" => "d2"',
      "Resources: 2 to replace, 1 unchanged",
    ]);
    expect(lines.join("\n")).not.toContain("redis://");
  });

  test("a dynamic resource changes as its provider's Diff says, whatever its inputs do; created and deleted ones are marked", () => {
    const dynamic = (name: string, digest: string) =>
      resource("pulumi-nodejs:dynamic:Resource", name, { images: { api: digest }, __provider: "exports.handler = __f0;" });
    const olds = [dynamic("health", "d1"), dynamic("notice", "d1"), dynamic("queues", "w1"), image("1")];
    const news = [dynamic("health", "d2"), dynamic("notice", "d2"), dynamic("queues", "w1"), dynamic("new-check", "d2")];
    const changes = diffStacks(
      olds,
      news,
      new Map([
        ["health", "replace"],
        ["notice", "none"],
        ["queues", "none"],
        ["new-check", "replace"],
      ]),
    );
    expect(changes.map((c) => [c.op, c.name, c.properties.map((p) => p.path)])).toEqual([
      ["replace", "health", ["images.api"]],
      ["create", "new-check", []],
      ["delete", "api-image", []],
    ]);
    expect(formatPreview("prod", changes, news.length).at(-1)).toBe("Resources: 1 to create, 1 to replace, 1 to delete, 2 unchanged");
  });
});
