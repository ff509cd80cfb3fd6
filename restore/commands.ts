/**
 * Every command the restore test runs, as data: the runner (lib/exec.ts) is separate, so tests assert
 * exact command lines, including the docker engine's, which cannot run on a machine without Docker.
 * Passwords never appear in argv (visible in `ps`): they go through PGPASSWORD / the docker CLI's env.
 */
import type { CommandLine } from "../lib/exec";
import type { DumpType } from "./dumpType";

/** Where pg_restore/psql connect. `host` is omitted inside the docker container (local socket). */
export interface ToolTarget {
  readonly host?: string;
  readonly port?: number;
  readonly user: string;
  readonly database: string;
}

/**
 * Settings for a server that only ever holds a throwaway copy: durability off (a crash loses nothing
 * of value) and room for index builds, which is most of a restore's time.
 */
export const DISPOSABLE_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  wal_level: "minimal",
  max_wal_senders: "0",
  max_wal_size: "4GB",
  checkpoint_timeout: "30min",
  maintenance_work_mem: "256MB",
  autovacuum: "off",
};

/** `-c key=value` pairs for postgres / pg_ctl -o / the postgres image's command. */
export function settingsArgs(settings: Readonly<Record<string, string>>): string[] {
  return Object.entries(settings).flatMap(([key, value]) => {
    if (!/^[\w./:-]+$/.test(value))
      throw new Error(`server setting ${key}=${JSON.stringify(value)}: only letters, digits and _ . / : - are passed through`);
    return ["-c", `${key}=${value}`];
  });
}

// --- local engine: a throwaway cluster from the runner's binaries ---------------------------------------

/** A cluster whose every login needs the password (scram), the superuser's taken from a private file. */
export function initdbCommand(binDir: string, dataDir: string, passwordFile: string): CommandLine {
  return {
    command: `${binDir}/initdb`,
    args: ["-D", dataDir, "-U", "postgres", "-A", "scram-sha-256", `--pwfile=${passwordFile}`, "-E", "UTF8", "--no-sync"],
  };
}

/** Starts the server and waits (`-w`) up to `timeoutSeconds` for it to accept connections. */
export function pgCtlStartCommand(
  binDir: string,
  dataDir: string,
  logFile: string,
  timeoutSeconds: number,
  settings: Readonly<Record<string, string>>,
): CommandLine {
  return {
    command: `${binDir}/pg_ctl`,
    args: ["-D", dataDir, "-l", logFile, "-w", "-t", String(timeoutSeconds), "-o", settingsArgs(settings).join(" "), "start"],
  };
}

/** Fast shutdown: sessions are cut, nothing of a throwaway server is worth waiting for. */
export function pgCtlStopCommand(binDir: string, dataDir: string, timeoutSeconds: number): CommandLine {
  return { command: `${binDir}/pg_ctl`, args: ["-D", dataDir, "-m", "fast", "-w", "-t", String(timeoutSeconds), "stop"] };
}

/** Formats pg_restore can restore with several jobs (it needs to seek in the archive). `--verbose` is the progress. */
function parallelJobs(type: DumpType, jobs: number): number {
  return type === "custom" || type === "directory" ? Math.max(1, jobs) : 1;
}

function connectionArgs(target: ToolTarget): string[] {
  const args = target.host === undefined ? [] : ["--host", target.host, "--port", String(target.port)];
  return [...args, "--username", target.user, "--dbname", target.database];
}

export function pgRestoreCommand(bin: string, type: DumpType, source: string, target: ToolTarget, jobs: number): CommandLine {
  const n = parallelJobs(type, jobs);
  return {
    command: bin,
    args: [
      "--no-owner",
      "--no-privileges",
      "--exit-on-error",
      "--verbose",
      ...(n > 1 ? ["--jobs", String(n)] : []),
      ...connectionArgs(target),
      source,
    ],
  };
}

/** psql for a plain SQL dump: from `file`, or from stdin (a gzip dump is inflated on the way in). */
export function psqlCommand(bin: string, target: ToolTarget, file?: string): CommandLine {
  return {
    command: bin,
    args: ["-X", "-q", "-v", "ON_ERROR_STOP=1", ...connectionArgs(target), ...(file === undefined ? [] : ["-f", file])],
  };
}

export function versionCommand(bin: string): CommandLine {
  return { command: bin, args: ["--version"] };
}

/** A directory-format dump is stored as one object: a tar of the dump directory (see docs/restore-test.md). */
export function untarCommand(archive: string, dir: string): CommandLine {
  return { command: "tar", args: ["-xf", archive, "-C", dir] };
}

// --- docker engine -------------------------------------------------------------------------------------

export interface DockerServerSpec {
  readonly container: string;
  readonly image: string;
  readonly hostPort: number;
  readonly instanceId: string;
  readonly settings: Readonly<Record<string, string>>;
}

/** Where the postgres image keeps its cluster (its VOLUME and PGDATA, official image up to 17 and ours). */
const CONTAINER_DATA_DIR = "/var/lib/postgresql/data";

/**
 * `-e POSTGRES_PASSWORD` without a value: docker takes it from its own env, so it is not in argv. The data
 * volume is the image's anonymous one, mounted by us only to carry the instance's label: a volume left by a
 * killed run is then found by `docker volume ls --filter label=spec1.instance_id`, and `rm --volumes` still
 * removes it (probed on dockerd 20.10: an unnamed `--mount` volume goes with its container).
 */
export function dockerRunCommand(spec: DockerServerSpec, password: string): CommandLine {
  return {
    command: "docker",
    args: [
      "run",
      "--detach",
      "--name",
      spec.container,
      "--label",
      `spec1.instance_id=${spec.instanceId}`,
      "--mount",
      `type=volume,destination=${CONTAINER_DATA_DIR},volume-label=spec1.instance_id=${spec.instanceId}`,
      "--publish",
      `127.0.0.1:${spec.hostPort}:5432`,
      "--env",
      "POSTGRES_PASSWORD",
      spec.image,
      ...settingsArgs({ "spec1.instance_id": spec.instanceId, ...spec.settings }),
    ],
    env: { POSTGRES_PASSWORD: password },
  };
}

export function dockerExecCommand(container: string, inner: CommandLine, opts: { stdin?: boolean } = {}): CommandLine {
  return { command: "docker", args: ["exec", ...(opts.stdin ? ["--interactive"] : []), container, inner.command, ...inner.args] };
}

export function makeDirCommand(dir: string): CommandLine {
  return { command: "mkdir", args: ["-p", dir] };
}

export function removeTreeCommand(dir: string): CommandLine {
  return { command: "rm", args: ["-rf", dir] };
}

export function dockerCopyInCommand(source: string, container: string, dest: string): CommandLine {
  return { command: "docker", args: ["cp", source, `${container}:${dest}`] };
}

export function dockerRemoveCommand(container: string): CommandLine {
  return { command: "docker", args: ["rm", "--force", "--volumes", container] };
}

/** The container's state as JSON (Status, ExitCode, Error, …). */
export function dockerInspectStateCommand(container: string): CommandLine {
  return { command: "docker", args: ["inspect", "--type", "container", "--format", "{{json .State}}", container] };
}

export function dockerLogsCommand(container: string, lines: number): CommandLine {
  return { command: "docker", args: ["logs", "--tail", String(lines), container] };
}

/** Every container the restore's docker engine started, whatever its state (ids). */
export function dockerInstancesCommand(): CommandLine {
  return { command: "docker", args: ["ps", "--all", "--quiet", "--filter", "label=spec1.instance_id"] };
}

/**
 * The container's name and the host ports it asked for, as JSON: a `Created` or stopped container
 * publishes nothing, so `docker ps --filter publish` does not find it by its port.
 */
export function dockerPortBindingsCommand(container: string): CommandLine {
  return {
    command: "docker",
    args: ["inspect", "--type", "container", "--format", "{{.Name}} {{json .HostConfig.PortBindings}}", container],
  };
}

/** Running containers that publish host port `port`: who holds the port a new container cannot bind. */
export function dockerPortHolderCommand(port: number): CommandLine {
  return { command: "docker", args: ["ps", "--filter", `publish=${port}`, "--format", "{{.Names}}"] };
}

/** The processes listening on TCP `port` (`users:(("name",pid=N,fd=M))`; root sees every process's). */
export function portListenerCommand(port: number): CommandLine {
  return { command: "ss", args: ["-Hltnp", "sport", "=", `:${port}`] };
}

/** Inside the container pg_restore/psql match the server's version and connect over its local socket. */
export function containerTarget(database: string): ToolTarget {
  return { user: "postgres", database };
}
