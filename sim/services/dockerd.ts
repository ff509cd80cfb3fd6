/**
 * The Docker engine for tests: a daemon that already answers is used as it is and never stopped;
 * otherwise one is started here (as root), and `stop()` stops only that one, by its PID. Debian's
 * docker.io does not start dockerd by itself where there is no systemd (CI), so nothing else does.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pollUntil, PollStep } from "../../lib/poll";
import { CommandLine, errorLines, runCommand } from "../../lib/exec";

/** Where every docker CLI looks when DOCKER_HOST is unset. */
export const SYSTEM_DOCKER_HOST = "unix:///var/run/docker.sock";

const INSTALL_HINT = "install it with apt-get install -y docker.io, or run ./scripts/setup as root";

export interface DockerdOptions {
  /**
   * Where the daemon listens, in DOCKER_HOST form; default DOCKER_HOST, else the system socket. A daemon
   * started on another socket is private (its own data and exec roots in its temp dir, its own network
   * namespace), so it can run beside the system one.
   */
  readonly host?: string;
  /** Bound on the start, and on the wait after SIGTERM before SIGKILL; default 30 s. */
  readonly deadlineMs?: number;
}

export interface Dockerd {
  readonly host: string;
  /** True when this code started the daemon: only then does `stop()` stop it. */
  readonly started: boolean;
  /** The started daemon's PID and log file. */
  readonly pid?: number;
  readonly logFile?: string;
  stop(): Promise<void>;
}

export function dockerPingCommand(host: string): CommandLine {
  return { command: "docker", args: ["--host", host, "version", "--format", "{{.Server.Version}}"] };
}

/**
 * The system daemon keeps dockerd's default pidfile: a second dockerd started at the same moment (another
 * test run) then refuses to start instead of taking over the socket. A private daemon runs in a network
 * namespace of its own, where its bridge and iptables rules cannot touch the system daemon's (with
 * `--bridge none` instead, dockerd deletes docker0, which the system daemon's containers need).
 */
export function dockerdCommand(host: string, dir: string): CommandLine {
  if (host === SYSTEM_DOCKER_HOST) return { command: "dockerd", args: ["--host", host, "--pidfile", "/var/run/docker.pid"] };
  return {
    command: "unshare",
    args: [
      "--net",
      "--",
      "dockerd",
      "--host",
      host,
      "--pidfile",
      `${dir}/dockerd.pid`,
      "--data-root",
      `${dir}/data`,
      "--exec-root",
      `${dir}/exec`,
    ],
  };
}

/** The path `program` runs from, by PATH; undefined when it is not installed. */
export function findOnPath(program: string): string | undefined {
  return (process.env.PATH ?? "")
    .split(path.delimiter)
    .map((dir) => path.join(dir, program))
    .find((p) => fs.existsSync(p));
}

export async function ensureDockerd(opts: DockerdOptions = {}): Promise<Dockerd> {
  const host = opts.host ?? process.env.DOCKER_HOST ?? SYSTEM_DOCKER_HOST;
  if (!findOnPath("docker")) throw new Error(`the docker CLI is not installed: ${INSTALL_HINT}`);
  const answer = await ping(host);
  if (answer.done) return reused(host);
  if (!host.startsWith("unix://"))
    throw new Error(
      `no Docker daemon answers on ${host} (DOCKER_HOST), and only one on a local socket can be started here: ${answer.seen}`,
    );
  if (process.getuid?.() !== 0)
    throw new Error(
      `no Docker daemon answers on ${host}, and only root can start one: run ./scripts/setup and the tests as root, or start dockerd yourself`,
    );
  if (!findOnPath("dockerd")) throw new Error(`dockerd is not installed: ${INSTALL_HINT}`);
  return startDockerd(host, opts.deadlineMs ?? 30000);
}

/** A daemon someone else runs: its containers and its life are theirs. */
function reused(host: string): Dockerd {
  return { host, started: false, stop: async () => undefined };
}

async function ping(host: string): Promise<PollStep<string>> {
  try {
    return { done: true, value: (await runCommand(dockerPingCommand(host), { what: "docker version", timeoutMs: 10000 })).trim() };
  } catch (err) {
    return { done: false, seen: (err as Error).message };
  }
}

async function startDockerd(host: string, deadlineMs: number): Promise<Dockerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-dockerd-"));
  const logFile = path.join(dir, "dockerd.log");
  const cmd = dockerdCommand(host, dir);
  const log = fs.openSync(logFile, "a");
  const child = spawn(cmd.command, cmd.args, { stdio: ["ignore", log, log] });
  fs.closeSync(log);
  // The daemon must not keep the test runner's process alive; stop() or the runner's end ends it.
  child.unref();
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err: Error) => {
      fs.rmSync(dir, { recursive: true, force: true });
      reject(new Error(`cannot run ${cmd.command}: ${err.message}`));
    });
  });
  const daemon: Dockerd = { host, started: true, pid: child.pid, logFile, stop: () => stopDockerd(child, deadlineMs, dir) };
  try {
    return await pollUntil<Dockerd>(
      async () => {
        const answer = await ping(host);
        if (!exited(child)) return answer.done ? { done: true, value: daemon } : answer;
        if (!answer.done)
          throw new Error(
            `dockerd (pid ${child.pid}) exited (${child.signalCode ?? `exit ${child.exitCode}`}) before answering on ${host}`,
          );
        // Ours exited, yet a daemon answers: another test run started one at the same moment and won.
        fs.rmSync(dir, { recursive: true, force: true });
        return { done: true, value: reused(host) };
      },
      { what: `dockerd (pid ${child.pid}) answering on ${host}`, deadlineMs, intervalMs: 100 },
    );
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}; dockerd log ${logFile}: ${errorLines(fs.readFileSync(logFile, "utf8")) || "empty"}`);
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM lets dockerd stop its containers and containerd; SIGKILL only after the bound. */
async function stopDockerd(child: ChildProcess, deadlineMs: number, dir: string): Promise<void> {
  if (!exited(child)) {
    child.kill("SIGTERM");
    try {
      await pollUntil<void>(async () => (exited(child) ? { done: true, value: undefined } : { done: false, seen: "still running" }), {
        what: `dockerd (pid ${child.pid}) stopping after SIGTERM`,
        deadlineMs,
        intervalMs: 100,
      });
    } catch (err) {
      child.kill("SIGKILL");
      throw new Error(`${(err as Error).message}; sent SIGKILL (log kept: ${dir}/dockerd.log)`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
