/**
 * The disposable Postgres: started for one restore test, removed by `pulumi destroy`, kept when the
 * restore fails. Its password is generated here, where it is created, and leaves only as a secret
 * output; the instance id it writes into the server's settings is what the restore checks before
 * touching the target (restore/target.ts).
 */
import { randomBytes } from "crypto";
import type { Log } from "../lib/log";
import { runnerBinDir } from "../lib/postgres";
import { removeContainer, startContainer } from "./dockerServer";
import { startLocalCluster, stopLocalCluster, sweepUnrecordedClusters } from "./localEngine";
import type { TargetServer } from "./target";

export type Engine = "docker" | "local";

export interface ServerRequest {
  /** `docker` (the runbook's postgres:16 container) or `local` (initdb/pg_ctl on the runner). */
  readonly engine: Engine;
  /** Port on 127.0.0.1; 0 = a free port (local engine). */
  readonly port: number;
  /** docker engine: image, e.g. postgres:16. */
  readonly image: string;
  /** local engine: PostgreSQL bin dir; unset = the runner's newest /usr/lib/postgresql/<major>/bin. */
  readonly binDir?: string;
  /** Bound on the wait until the server answers. */
  readonly startTimeoutMs: number;
  /** Server settings (-c key=value). */
  readonly settings: Record<string, string>;
}

/** What was asked for, kept in the outputs: a different request is a different server. */
export type Requested = Pick<ServerRequest, "port" | "image" | "binDir" | "settings">;

export type ServerOutputs = TargetServer & { readonly requested: Requested };

export async function createServer(request: ServerRequest, log: Log): Promise<ServerOutputs> {
  const instanceId = `spec1-restore-${randomBytes(6).toString("hex")}`;
  const password = randomBytes(24).toString("base64url");
  const requested: Requested = { port: request.port, image: request.image, binDir: request.binDir, settings: request.settings };
  if (request.engine === "local") {
    const binDir = request.binDir ?? runnerBinDir();
    await sweepUnrecordedClusters(binDir, (line) => log.warn(line));
    log.info(`starting a local Postgres (${binDir}) on 127.0.0.1`);
    const cluster = await startLocalCluster({
      binDir,
      port: request.port,
      instanceId,
      password,
      settings: request.settings,
      startTimeoutMs: request.startTimeoutMs,
    });
    log.info(`local Postgres ${instanceId} ready on 127.0.0.1:${cluster.port} (${cluster.baseDir})`);
    return {
      engine: "local",
      instanceId,
      host: "127.0.0.1",
      port: cluster.port,
      user: "postgres",
      password,
      binDir,
      baseDir: cluster.baseDir,
      requested,
    };
  }
  const spec = { container: instanceId, image: request.image, hostPort: request.port, instanceId, settings: request.settings };
  log.info(`starting ${request.image} as container ${instanceId} on 127.0.0.1:${request.port}`);
  const target: TargetServer = {
    engine: "docker",
    instanceId,
    host: "127.0.0.1",
    port: request.port,
    user: "postgres",
    password,
    container: instanceId,
  };
  await startContainer(spec, target, request.startTimeoutMs, log);
  return { ...target, requested };
}

export async function deleteServer(server: ServerOutputs): Promise<void> {
  if (server.engine === "local") {
    await stopLocalCluster({ baseDir: server.baseDir!, dataDir: `${server.baseDir}/data` }, server.binDir!);
    return;
  }
  await removeContainer(server.container!);
}

/**
 * The PostgreSQL major the server (and, on the docker engine, its pg_restore) will run, when the request
 * says it: the image tag's leading number (postgres:16, postgres:16.4-bookworm, postgres:16@sha256:…) or the
 * bin dir's /usr/lib/postgresql/<major>/bin. A tag without one (latest, a bare digest) says nothing; the
 * digest is cut first, or its hex (sha256:9f3e…) would read as major 9.
 */
export function serverMajor(request: Pick<ServerRequest, "engine" | "image" | "binDir">): number | undefined {
  const match =
    request.engine === "docker"
      ? /:(\d+)[^:/]*$/.exec(request.image.replace(/@.*$/, ""))
      : /\/postgresql\/(\d+)\/bin\/?$/.exec(request.binDir ?? runnerBinDir());
  return match ? Number(match[1]) : undefined;
}

/** What makes it the same server, from its outputs and from a new request. */
export function serverIdentity(server: Pick<ServerOutputs, "engine" | "requested"> | ServerRequest): Record<string, unknown> {
  if ("requested" in server) return { engine: server.engine, ...server.requested };
  return { engine: server.engine, port: server.port, image: server.image, binDir: server.binDir, settings: server.settings };
}
