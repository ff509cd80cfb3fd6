/**
 * pg_restore and psql for one engine. With `local` they are the runner's binaries, connecting over TCP;
 * with `docker` they run inside the disposable container (`docker exec`), so their version is the
 * server's and a PG16 archive never meets an older pg_restore; the dump is copied in first.
 */
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
import type { TargetServer } from "./target";

export interface RestoreTools {
  pgRestoreVersion(): Promise<string>;
  /** Makes a file or directory on the runner readable by the tools; returns the path they use. */
  stage(localPath: string): Promise<string>;
  pgRestore(type: DumpType, source: string, jobs: number, onLine: (line: string) => void): Promise<void>;
  /** A plain SQL dump, from a staged file or streamed into stdin. */
  psql(source: string | Readable): Promise<void>;
  /** Removes what stage() put outside the runner's temp dir. */
  cleanup(): Promise<void>;
}

/** Inside the container, staged dumps go here (removed by cleanup, even when the container is kept). */
export const CONTAINER_STAGING_DIR = "/tmp/spec1-restore";

export function toolsFor(target: TargetServer, database: string, timeoutMs: number): RestoreTools {
  return target.engine === "docker" ? dockerTools(target, database, timeoutMs) : localTools(target, database, timeoutMs);
}

function localTools(t: TargetServer, database: string, timeoutMs: number): RestoreTools {
  const bin = (tool: string) => path.join(t.binDir ?? "", tool);
  const conn: ToolTarget = { host: t.host, port: t.port, user: t.user, database };
  const withPassword = (cmd: CommandLine): CommandLine => ({ ...cmd, env: { PGPASSWORD: t.password } });
  return {
    pgRestoreVersion: () => runCommand(versionCommand(bin("pg_restore")), { what: "pg_restore --version", timeoutMs: 10000 }),
    stage: async (localPath) => localPath,
    pgRestore: (type, source, jobs, onLine) =>
      runCommand(withPassword(pgRestoreCommand(bin("pg_restore"), type, source, conn, jobs)), {
        what: "pg_restore",
        timeoutMs,
        onStderrLine: onLine,
      }).then(() => undefined),
    psql: (source) => {
      const cmd = withPassword(psqlCommand(bin("psql"), conn, typeof source === "string" ? source : undefined));
      return runCommand(cmd, { what: "psql", timeoutMs, stdin: typeof source === "string" ? undefined : source }).then(() => undefined);
    },
    cleanup: async () => undefined,
  };
}

function dockerTools(t: TargetServer, database: string, timeoutMs: number): RestoreTools {
  const container = t.container ?? "";
  const inside = containerTarget(database);
  const exec = (cmd: CommandLine, what: string, stdin?: Readable) =>
    runCommand(dockerExecCommand(container, cmd, { stdin: stdin !== undefined }), { what, timeoutMs, stdin });
  return {
    pgRestoreVersion: () => exec(versionCommand("pg_restore"), "pg_restore --version"),
    stage: async (localPath) => {
      await exec(makeDirCommand(CONTAINER_STAGING_DIR), "mkdir in the container");
      const dest = `${CONTAINER_STAGING_DIR}/${path.basename(localPath)}`;
      await runCommand(dockerCopyInCommand(localPath, container, dest), { what: "docker cp", timeoutMs });
      return dest;
    },
    pgRestore: (type, source, jobs, onLine) =>
      runCommand(dockerExecCommand(container, pgRestoreCommand("pg_restore", type, source, inside, jobs)), {
        what: "pg_restore",
        timeoutMs,
        onStderrLine: onLine,
      }).then(() => undefined),
    psql: (source) =>
      typeof source === "string"
        ? exec(psqlCommand("psql", inside, source), "psql").then(() => undefined)
        : exec(psqlCommand("psql", inside), "psql", source).then(() => undefined),
    cleanup: () => exec(removeTreeCommand(CONTAINER_STAGING_DIR), "removing the dump from the container").then(() => undefined),
  };
}
