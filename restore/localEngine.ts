/**
 * The `local` engine of the disposable Postgres: a throwaway cluster from the runner's own binaries
 * (initdb/pg_ctl) in a private temp dir, listening on 127.0.0.1 only. initdb and postgres refuse to run
 * as root, so when we are root every server-side step runs as the `postgres` OS user on a dir it owns.
 * The tests' and the rehearsal's Postgres (sim/services/postgres.ts) is this same code.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort } from "../lib/net";
import { CommandLine, runCommand } from "../lib/exec";
import { deadOwner } from "../lib/signalGuard";
import { initdbCommand, pgCtlStartCommand, pgCtlStopCommand } from "./commands";
import { waitForServer } from "./target";

export interface LocalClusterSpec {
  /** Directory of initdb, pg_ctl, postgres. */
  readonly binDir: string;
  /** 0 picks a free loopback port. */
  readonly port: number;
  /** Written into the server's config as `spec1.instance_id`: the restore checks it before touching the target. */
  readonly instanceId: string;
  /** Password of the `postgres` role (scram-sha-256 for every connection). */
  readonly password: string;
  /** Extra server settings, e.g. durability off for a disposable server. */
  readonly settings: Readonly<Record<string, string>>;
  readonly startTimeoutMs: number;
}

export interface LocalCluster {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly user: "postgres";
  /** Private dir (0700) holding the data dir, the socket and the server log; removed by stop. */
  readonly baseDir: string;
  readonly dataDir: string;
  readonly logFile: string;
}

interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
  readonly cwd?: string;
}

/** uid/gid of `user` from a passwd file's text, or undefined. */
export function passwdIds(passwd: string, user: string): { uid: number; gid: number } | undefined {
  for (const line of passwd.split("\n")) {
    const [name, , uid, gid] = line.split(":");
    if (name === user && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * Who runs a tool that must not run as root: `user` when we are root (else ourselves, already unprivileged).
 * `missing` is the error when that user does not exist.
 */
export function unprivileged(user: string, missing: string): RunAs {
  if (process.getuid?.() !== 0) return {};
  const ids = passwdIds(fs.readFileSync("/etc/passwd", "utf8"), user);
  if (!ids) throw new Error(missing);
  // In "/", not the runner's working dir, which that user may not enter ("could not change directory …").
  return { ...ids, cwd: "/" };
}

function serverUser(): RunAs {
  return unprivileged(
    "postgres",
    "local Postgres: running as root and there is no `postgres` OS user to run initdb as; install postgresql (scripts/setup) or run as an unprivileged user",
  );
}

/** Beyond pg_ctl's own `-t` wait, so that pg_ctl, not our kill, reports a server that does not start or stop. */
const PG_CTL_GRACE_MS = 5000;
/** A fast shutdown of a throwaway server takes seconds; pg_ctl reports one that does not stop by then. */
const PG_CTL_STOP_SECONDS = 30;

async function run(cmd: CommandLine, as: RunAs, what: string, timeoutMs: number): Promise<void> {
  await runCommand(cmd, { what, timeoutMs, ...as });
}

const CLUSTER_PREFIX = "spec1-pg-";
/** In a cluster's dir while its create runs: the creating process's PID. */
const CREATING_FILE = "creating.pid";

/**
 * Stops and removes the clusters whose create was killed before it returned (their `creating.pid` names a
 * process that is gone): nothing else knows they run. Returns their dirs.
 */
export async function sweepUnrecordedClusters(binDir: string, log: (line: string) => void, tmpDir = os.tmpdir()): Promise<string[]> {
  const swept: string[] = [];
  for (const name of fs.readdirSync(tmpDir).filter((n) => n.startsWith(CLUSTER_PREFIX))) {
    const baseDir = path.join(tmpDir, name);
    // No creating.pid: a recorded server (its create returned), or not ours; a live owner: a create running now.
    const owner = deadOwner(path.join(baseDir, CREATING_FILE));
    if (owner === undefined) continue;
    await stopLocalCluster({ baseDir, dataDir: path.join(baseDir, "data") }, binDir);
    log(`stopped and removed ${baseDir}: a disposable Postgres whose create was killed (pid ${owner}) before it was recorded`);
    swept.push(baseDir);
  }
  return swept;
}

function makePrivateDir(as: RunAs): string {
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), CLUSTER_PREFIX));
  fs.chmodSync(baseDir, 0o700);
  if (as.uid !== undefined) fs.chownSync(baseDir, as.uid, as.gid!);
  return baseDir;
}

function writePrivateFile(file: string, content: string, as: RunAs): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  if (as.uid !== undefined) fs.chownSync(file, as.uid, as.gid!);
}

export async function startLocalCluster(spec: LocalClusterSpec): Promise<LocalCluster> {
  const as = serverUser();
  const port = spec.port === 0 ? await freePort() : spec.port;
  const baseDir = makePrivateDir(as);
  const dataDir = path.join(baseDir, "data");
  const logFile = path.join(baseDir, "server.log");
  const cluster: LocalCluster = { host: "127.0.0.1", port, user: "postgres", baseDir, dataDir, logFile };
  // Until the create returns (and Pulumi records the server), a SIGKILL would leave it running unrecorded.
  const creating = path.join(baseDir, CREATING_FILE);
  fs.writeFileSync(creating, String(process.pid), { mode: 0o600 });
  try {
    const pwfile = path.join(baseDir, "pwfile");
    writePrivateFile(pwfile, `${spec.password}\n`, as);
    await run(initdbCommand(spec.binDir, dataDir, pwfile), as, "initdb", spec.startTimeoutMs);
    fs.rmSync(pwfile);
    const settings = {
      listen_addresses: "127.0.0.1",
      port: String(port),
      unix_socket_directories: baseDir,
      "spec1.instance_id": spec.instanceId,
      ...spec.settings,
    };
    const timeoutS = Math.max(1, Math.ceil(spec.startTimeoutMs / 1000));
    await run(
      pgCtlStartCommand(spec.binDir, dataDir, logFile, timeoutS, settings),
      as,
      `pg_ctl start on 127.0.0.1:${port}`,
      timeoutS * 1000 + PG_CTL_GRACE_MS,
    );
    await waitForServer({ ...cluster, password: spec.password, instanceId: spec.instanceId }, spec.startTimeoutMs);
    fs.rmSync(creating);
    return cluster;
  } catch (err) {
    await stopLocalCluster(cluster, spec.binDir).catch(() => undefined);
    throw err;
  }
}

/** Stops the server (fast shutdown) and removes its private dir. Safe to call on a half-started or gone cluster. */
export async function stopLocalCluster(cluster: Pick<LocalCluster, "baseDir" | "dataDir">, binDir: string): Promise<void> {
  if (fs.existsSync(path.join(cluster.dataDir, "postmaster.pid"))) {
    await run(
      pgCtlStopCommand(binDir, cluster.dataDir, PG_CTL_STOP_SECONDS),
      serverUser(),
      "pg_ctl stop",
      PG_CTL_STOP_SECONDS * 1000 + PG_CTL_GRACE_MS,
    );
  }
  fs.rmSync(cluster.baseDir, { recursive: true, force: true });
}
