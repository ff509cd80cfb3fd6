/**
 * The disposable Postgres as the runbook's container, against what a real Docker engine does (probed on
 * dockerd 20.10 here, see test/restore.docker.test.ts):
 * - a `docker run` whose port bind fails exits 125 but leaves a `Created` container and its anonymous data
 *   volume under our name, so every failure after `docker run` removes the container with its volumes;
 * - a container that exits at once (bad image, entrypoint, setting, full disk) is noticed while waiting for
 *   its port, and its own last log lines are the error;
 * - a kept container is `exited` after a reboot or daemon restart: `docker start` brings it back with its data.
 */
import { CommandLine, runCommand } from "../lib/exec";
import type { Log } from "../lib/log";
import { redact } from "../lib/redact";
import {
  dockerInspectStateCommand,
  dockerLogsCommand,
  dockerPortHolderCommand,
  dockerRemoveCommand,
  dockerRunCommand,
  DockerServerSpec,
  portListenerCommand,
} from "./commands";
import { TargetServer, waitForServer } from "./target";

/** Bound on one docker CLI call that only asks the daemon (inspect, logs, rm): seconds unless the daemon is stuck. */
export const DOCKER_CALL_TIMEOUT_MS = 60000;
/** How many of a failed container's log lines the error carries, and how much of each (a line can be megabytes). */
const LOG_LINES = 8;
const LOG_LINES_READ = 40;
const LOG_LINE_CHARS = 300;
/** Bound on asking who holds a port: the error is worth more now than a name later. */
const HOLDER_TIMEOUT_MS = 5000;

/**
 * The docker CLI's own words without its usage hint ("See 'docker run --help'." or "Run 'docker run --help'
 * for more information", depending on the CLI version), with the two failures every call can meet said once.
 */
export function dockerFailure(message: string): string {
  const text = message
    .replace(/\s*\|?\s*(See|Run) 'docker [\w-]+ --help'( for more information)?\.?/g, "")
    .replace(/\s*\|\s*$/, "")
    .trim();
  if (/cannot run docker: spawn docker ENOENT/.test(text))
    return "the docker CLI is not installed on this runner (apt-get install docker.io), or set restore.disposablePostgres.engine: local";
  if (/Cannot connect to the Docker daemon|error during connect|docker daemon is not running/i.test(text))
    return `the Docker daemon does not answer (${text.replace(/^.*?: /, "")}); start it (dockerd) or check DOCKER_HOST`;
  return text;
}

async function docker(cmd: CommandLine, what: string, timeoutMs = DOCKER_CALL_TIMEOUT_MS): Promise<string> {
  try {
    return await runCommand(cmd, { what, timeoutMs });
  } catch (err) {
    throw new Error(dockerFailure((err as Error).message));
  }
}

export interface ContainerState {
  readonly status: string;
  readonly exitCode: number;
  readonly error: string;
}

/** The container's state, or null when there is no such container. */
export async function containerState(container: string): Promise<ContainerState | null> {
  try {
    const raw = await docker(dockerInspectStateCommand(container), "docker inspect");
    const state = JSON.parse(raw) as { Status?: unknown; ExitCode?: unknown; Error?: unknown };
    return { status: String(state.Status), exitCode: Number(state.ExitCode), error: String(state.Error ?? "") };
  } catch (err) {
    if (/No such (object|container)/i.test((err as Error).message)) return null;
    throw err;
  }
}

/**
 * The last lines the container wrote, one line: its stderr lines first in rank (where a failing process
 * says why), then its last stdout lines, each cut short and with `secrets` (its password) redacted; or
 * what stopped us reading them. More lines are read than shown because dockerd copies stdout and stderr
 * into the log separately, so the log's order across the two is not the order written: probed on dockerd
 * 20.10, `--tail 8` missed the one stderr line written after twenty stdout lines, once in three runs.
 */
export async function containerLogTail(container: string, secrets: readonly string[]): Promise<string> {
  const cut = (l: string) => (l.length > LOG_LINE_CHARS ? `${l.slice(0, LOG_LINE_CHARS)}…` : l);
  const lines = (text: string[]) => text.map((l) => cut(l.trim())).filter(Boolean);
  const stderr: string[] = [];
  const stdout = await runCommand(dockerLogsCommand(container, LOG_LINES_READ), {
    what: "docker logs",
    timeoutMs: DOCKER_CALL_TIMEOUT_MS,
    onStderrLine: (line) => stderr.push(line.slice(0, LOG_LINE_CHARS + 1)),
  }).catch((err: Error) => `(its logs could not be read: ${dockerFailure(err.message)})`);
  const errors = lines(stderr).slice(-LOG_LINES);
  const output = errors.length < LOG_LINES ? lines(stdout.split("\n")).slice(errors.length - LOG_LINES) : [];
  return redact([...output, ...errors].join(" | "), secrets) || "(no log output)";
}

/** Removes the container and its anonymous volumes; a container already gone is not an error. */
export async function removeContainer(container: string): Promise<void> {
  await docker(dockerRemoveCommand(container), "docker rm").catch((err: Error) => {
    if (!/No such container/i.test(err.message)) throw err;
  });
}

/**
 * Who holds 127.0.0.1:`port`, when it can be known: the containers publishing it, else the listening
 * processes (ss). Bounded and best-effort: not knowing leaves the holder out of the error.
 */
export async function portHolder(port: number): Promise<string | undefined> {
  const ask = (cmd: CommandLine, what: string) => runCommand(cmd, { what, timeoutMs: HOLDER_TIMEOUT_MS }).catch(() => "");
  const containers = (await ask(dockerPortHolderCommand(port), "docker ps")).split("\n").filter((l) => /^[\w.-]+$/.test(l));
  if (containers.length > 0) return `container ${containers.join(", ")}`;
  const listening = await ask(portListenerCommand(port), "ss");
  const processes = [...listening.matchAll(/\("([^"\n]{1,64})",pid=(\d+)/g)].map((m) => `${m[1]} (pid ${m[2]})`);
  return processes.length > 0 ? `process ${[...new Set(processes)].join(", ")}` : undefined;
}

/** What to say when `docker run` itself failed: the port bind above all, with who holds the port. */
async function runFailure(message: string, spec: DockerServerSpec): Promise<string> {
  // No registry answers (or the image is not in it): the runner has no copy to start. Docker's own
  // "Unable to find image … locally" line is not among the error lines runCommand keeps: the pull's is.
  if (/Unable to find image|pull access denied|manifest unknown|Get "https?:\/\/[^"]+\/v2\//i.test(message))
    return (
      `the image ${spec.image} is not on this runner and could not be pulled; pull it where a registry answers ` +
      `(docker pull ${spec.image}) or load it (docker load), or set restore.disposablePostgres.image (${message})`
    );
  if (!/address already in use|port is already allocated/i.test(message)) return `docker run ${spec.image}: ${message}`;
  const holder = await portHolder(spec.hostPort);
  // Docker's own words are a paragraph about endpoints and proxies; its last clause is the part that says why.
  const why =
    /(listen tcp\S* \S+: bind: address already in use|Bind for \S+ failed: port is already allocated)/.exec(message)?.[1] ?? message;
  return (
    `127.0.0.1:${spec.hostPort} is already taken${holder ? ` by ${holder}` : ""}, so the disposable Postgres cannot listen there; ` +
    `free the port (a container kept from an earlier failed restore goes with \`pulumi destroy\` on the stack that kept it) ` +
    `or set restore.disposablePostgres.port (docker: ${why})`
  );
}

/**
 * Runs the container and waits, bounded, until it answers with its instance id. Whatever fails after
 * `docker run` removes the container and its volume: nothing is left under the instance's name.
 */
export async function startContainer(spec: DockerServerSpec, target: TargetServer, startTimeoutMs: number, log: Log): Promise<void> {
  try {
    await docker(dockerRunCommand(spec, target.password), "docker run", startTimeoutMs).catch(async (err: Error) => {
      throw new Error(await runFailure(err.message, spec));
    });
    await waitForServer(target, startTimeoutMs, async () => {
      const state = await containerState(spec.container);
      if (state === null) return `container ${spec.container} is gone`;
      if (state.status === "running" || state.status === "created") return null;
      const logs = await containerLogTail(spec.container, [target.password]);
      return `container ${spec.container} ${state.status} (exit ${state.exitCode}${state.error ? `, ${state.error}` : ""}); its last log lines: ${logs}`;
    });
  } catch (err) {
    log.info(`removing container ${spec.container} and its volume after a failed start`);
    await removeContainer(spec.container).catch((rmErr: Error) => log.warn(`could not remove ${spec.container}: ${rmErr.message}`));
    throw err;
  }
}

/**
 * Why a kept container cannot be used, with the way back; null when it is running. A stopped one keeps
 * its data: `docker start` recovers it (a `docker exec` into it cannot work).
 */
export async function keptContainerProblem(container: string): Promise<string | null> {
  const state = await containerState(container).catch((err: Error) => ({ status: `unknown (${err.message})`, exitCode: 0, error: "" }));
  if (state === null) return `container ${container} no longer exists: run \`pulumi destroy\`, then \`pulumi up\` starts a new one`;
  if (state.status === "running") return null;
  return `container ${container} is ${state.status}: \`docker start ${container}\` recovers it with its data`;
}
