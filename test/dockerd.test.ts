/**
 * ensureDockerd (sim/services/dockerd.ts) with the real engine: its command lines, the system daemon
 * reused and left running, a private daemon started and stopped, and the one-line refusals.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandLine, runCommand } from "../lib/exec";
import { dockerdCommand, dockerPingCommand, ensureDockerd, findOnPath, SYSTEM_DOCKER_HOST } from "../sim/services/dockerd";

const ROOT = path.join(__dirname, "..");
const NOWHERE = "unix:///nonexistent/docker.sock";
const INSTALL_HINT = "install it with apt-get install -y docker.io, or run ./scripts/setup as root";

const line = (c: CommandLine) => [c.command, ...c.args].join(" ");
const serverVersion = (host: string) => runCommand(dockerPingCommand(host), { what: "docker version", timeoutMs: 10000 });

test("command lines", () => {
  expect(line(dockerPingCommand(SYSTEM_DOCKER_HOST))).toBe(
    "docker --host unix:///var/run/docker.sock version --format {{.Server.Version}}",
  );
  expect(line(dockerdCommand(SYSTEM_DOCKER_HOST, "/tmp/d"))).toBe(
    "dockerd --host unix:///var/run/docker.sock --pidfile /var/run/docker.pid",
  );
  expect(line(dockerdCommand("unix:///tmp/d/docker.sock", "/tmp/d"))).toBe(
    "unshare --net -- dockerd --host unix:///tmp/d/docker.sock --pidfile /tmp/d/dockerd.pid --data-root /tmp/d/data --exec-root /tmp/d/exec",
  );
});

test("a daemon that answers is reused, and its stop() leaves it running", async () => {
  const daemon = await ensureDockerd({ host: SYSTEM_DOCKER_HOST });
  expect(daemon.started).toBe(false);
  await daemon.stop();
  await expect(serverVersion(SYSTEM_DOCKER_HOST)).resolves.toMatch(/^\d+\.\d+/);
});

test("where none answers, one is started, and stop() ends that one only", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-dockerd-test-"));
  const host = `unix://${dir}/docker.sock`;
  try {
    const daemon = await ensureDockerd({ host });
    try {
      expect(daemon.started).toBe(true);
      await expect(serverVersion(host)).resolves.toMatch(/^\d+\.\d+/);
    } finally {
      await daemon.stop();
    }
    expect(() => process.kill(daemon.pid!, 0)).toThrow(/ESRCH/);
    expect(fs.existsSync(daemon.logFile!)).toBe(false);
    await expect(serverVersion(host)).rejects.toThrow(/Cannot connect to the Docker daemon/);
    await expect(serverVersion(SYSTEM_DOCKER_HOST)).resolves.toMatch(/^\d+\.\d+/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe("refusals are one line saying what to do", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  /** A PATH holding node and `tools` only. */
  const pathWith = (...tools: string[]) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-dockerd-bin-"));
    dirs.push(dir);
    fs.symlinkSync(process.execPath, path.join(dir, "node"));
    for (const tool of tools) fs.symlinkSync(findOnPath(tool)!, path.join(dir, tool));
    return dir;
  };

  /** The fixture's output, run with `env` and as `uid` (root by default). */
  const refusal = (env: Record<string, string>, uid = 0) =>
    runCommand(
      { command: process.execPath, args: ["--import", "tsx", path.join(ROOT, "test/fixtures/ensureDockerd.ts"), NOWHERE], env },
      { what: "ensureDockerd fixture", timeoutMs: 30000, uid, gid: uid },
    );

  test("without the docker CLI", async () => {
    expect(await refusal({ PATH: pathWith() })).toBe(`the docker CLI is not installed: ${INSTALL_HINT}`);
  });

  test("without dockerd", async () => {
    expect(await refusal({ PATH: pathWith("docker") })).toBe(`dockerd is not installed: ${INSTALL_HINT}`);
  });

  test("not root, with no daemon answering", async () => {
    expect(await refusal({}, 65534)).toBe(
      `no Docker daemon answers on ${NOWHERE}, and only root can start one: run ./scripts/setup and the tests as root, or start dockerd yourself`,
    );
  });
});
