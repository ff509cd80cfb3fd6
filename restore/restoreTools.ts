/**
 * pg_restore and psql for one engine, as this run's restore role (restore/untrusted.ts). With `local` they
 * are the runner's binaries, connecting over TCP and run as `nobody` when the runner is root: a dump that got
 * past the rest still acts with no one's rights. With `docker` they run inside the disposable container
 * (`docker exec`, over its socket), so their version is the server's and the container is the boundary;
 * the dump is copied in first. psql always reads its input on stdin, behind `restrictedPsqlInput`.
 */
import * as fs from "fs";
import * as path from "path";
import type { Readable } from "stream";
import {
  containerTarget,
  dockerCopyInCommand,
  dockerExecCommand,
  makeDirCommand,
  pgRestoreCommand,
  psqlCommand,
  removeTreeCommand,
  ToolTarget,
  versionCommand,
} from "./commands";
import type { DumpType } from "./dumpType";
import { CommandLine, runCommand } from "../lib/exec";
import { unprivileged } from "./localEngine";
import type { TargetServer } from "./target";
import type { RoleLogin } from "./untrusted";

export interface RestoreTools {
  pgRestoreVersion(): Promise<string>;
  /** Makes a file or directory on the runner readable by the tools; returns the path they use. */
  stage(localPath: string): Promise<string>;
  pgRestore(type: DumpType, source: string, jobs: number, onLine: (line: string) => void): Promise<void>;
  /** A plain SQL dump streamed into psql's stdin (restrictedPsqlInput). */
  psql(input: Readable): Promise<void>;
  /** Removes what stage() put outside the runner's temp dir. */
  cleanup(): Promise<void>;
}

/** Inside the container, staged dumps go here (removed by cleanup, even when the container is kept). */
export const CONTAINER_STAGING_DIR = "/tmp/spec1-restore";

/** The OS user the runner's tools run as: `nobody` when we are root, else ourselves (already unprivileged). */
export function toolUser(): { uid?: number; gid?: number; cwd?: string } {
  return unprivileged(
    "nobody",
    "restore: running as root and there is no `nobody` OS user to run pg_restore/psql as; add one or run as an unprivileged user",
  );
}

/** Hands a staged file or directory tree to the tools' OS user. */
export function handOver(localPath: string, user: { uid?: number; gid?: number }): void {
  if (user.uid === undefined) return;
  fs.chownSync(localPath, user.uid, user.gid!);
  if (fs.statSync(localPath).isDirectory()) for (const entry of fs.readdirSync(localPath)) handOver(path.join(localPath, entry), user);
}

/** `signal` aborted: every command running is killed (the process running the restore is being stopped). */
export function toolsFor(target: TargetServer, database: string, role: RoleLogin, timeoutMs: number, signal?: AbortSignal): RestoreTools {
  const bounds = { timeoutMs, signal };
  return target.engine === "docker" ? dockerTools(target, database, role, bounds) : localTools(target, database, role, bounds);
}

type Bounds = { readonly timeoutMs: number; readonly signal?: AbortSignal };

function localTools(t: TargetServer, database: string, role: RoleLogin, bounds: Bounds): RestoreTools {
  const bin = (tool: string) => path.join(t.binDir ?? "", tool);
  const conn: ToolTarget = { host: t.host, port: t.port, user: role.user, database };
  const withPassword = (cmd: CommandLine): CommandLine => ({ ...cmd, env: { PGPASSWORD: role.password } });
  const as = toolUser();
  return {
    pgRestoreVersion: () => runCommand(versionCommand(bin("pg_restore")), { what: "pg_restore --version", timeoutMs: 10000 }),
    stage: async (localPath) => (handOver(localPath, as), localPath),
    pgRestore: (type, source, jobs, onLine) =>
      runCommand(withPassword(pgRestoreCommand(bin("pg_restore"), type, source, conn, jobs)), {
        what: "pg_restore",
        ...bounds,
        onStderrLine: onLine,
        ...as,
      }).then(() => undefined),
    psql: (input) =>
      runCommand(withPassword(psqlCommand(bin("psql"), conn)), { what: "psql", ...bounds, stdin: input, ...as }).then(() => undefined),
    cleanup: async () => undefined,
  };
}

function dockerTools(t: TargetServer, database: string, role: RoleLogin, bounds: Bounds): RestoreTools {
  const container = t.container ?? "";
  const inside = { ...containerTarget(database), user: role.user };
  const exec = (cmd: CommandLine, what: string, stdin?: Readable) =>
    runCommand(dockerExecCommand(container, cmd, { stdin: stdin !== undefined }), { what, ...bounds, stdin });
  return {
    pgRestoreVersion: () => exec(versionCommand("pg_restore"), "pg_restore --version"),
    stage: async (localPath) => {
      await exec(makeDirCommand(CONTAINER_STAGING_DIR), "mkdir in the container");
      const dest = `${CONTAINER_STAGING_DIR}/${path.basename(localPath)}`;
      await runCommand(dockerCopyInCommand(localPath, container, dest), { what: "docker cp", ...bounds });
      return dest;
    },
    pgRestore: (type, source, jobs, onLine) =>
      runCommand(dockerExecCommand(container, pgRestoreCommand("pg_restore", type, source, inside, jobs)), {
        what: "pg_restore",
        ...bounds,
        onStderrLine: onLine,
      }).then(() => undefined),
    psql: (input) => exec(psqlCommand("psql", inside), "psql", input).then(() => undefined),
    cleanup: () => exec(removeTreeCommand(CONTAINER_STAGING_DIR), "removing the dump from the container").then(() => undefined),
  };
}
