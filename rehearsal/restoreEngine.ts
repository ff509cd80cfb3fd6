/**
 * Which engine the rehearsal's restore runs on: the runbook's container when a Docker daemon answers
 * (image spec1-sim/postgres:17, built from Debian packages: no registry, and no suite has 16), else a
 * throwaway local cluster. `--engine` chooses; the rehearsal prints which one ran.
 */
import { runCommand } from "../lib/exec";
import { dockerInstancesCommand, dockerPortBindingsCommand } from "../restore/commands";
import { DOCKER_CALL_TIMEOUT_MS, removeContainer } from "../restore/dockerServer";
import { freePort } from "../lib/net";
import { dockerPingCommand, SYSTEM_DOCKER_HOST } from "../sim/services/dockerd";
import { ensurePostgresImage } from "../sim/images/postgres/image";

export const RESTORE_ENGINES = ["docker", "local"] as const;
export type RestoreEngine = (typeof RESTORE_ENGINES)[number];

/** A daemon that has not answered in this long is not there for a rehearsal. */
const PING_TIMEOUT_MS = 5000;

export async function dockerAnswers(): Promise<boolean> {
  const host = process.env.DOCKER_HOST ?? SYSTEM_DOCKER_HOST;
  return runCommand(dockerPingCommand(host), { what: "docker version", timeoutMs: PING_TIMEOUT_MS }).then(
    () => true,
    () => false,
  );
}

/** The restore stack's `disposablePostgres` for `engine`, and the line that says what runs. */
export async function disposablePostgresFor(
  engine: RestoreEngine,
  local: Record<string, unknown>,
  log: (line: string) => void,
): Promise<{ config: Record<string, unknown>; description: string }> {
  if (engine === "local") return { config: local, description: "local engine (initdb/pg_ctl from the runner's binaries)" };
  log("  checking the restore's Postgres image (built from Debian packages on first use, ~2 min)…");
  const image = await ensurePostgresImage(17);
  const port = await freePort();
  return {
    config: { engine: "docker", port, image: image.tag, startTimeoutMs: 60000 },
    description: `docker engine (container from ${image.tag} on 127.0.0.1:${port})`,
  };
}

/** Names of the restore's containers (label spec1.instance_id) bound to host port `port`, in any state. */
export async function containersOnPort(port: number): Promise<string[]> {
  const run = { timeoutMs: DOCKER_CALL_TIMEOUT_MS };
  const ids = (await runCommand(dockerInstancesCommand(), { what: "docker ps", ...run })).split("\n").filter(Boolean);
  const names: string[] = [];
  for (const id of ids) {
    // One at a time: a container removed meanwhile (another run's) fails only its own inspect.
    const line = await runCommand(dockerPortBindingsCommand(id), { what: "docker inspect", ...run }).catch(() => "");
    const [name, json] = line.trim().split(" ");
    const bindings = (JSON.parse(json || "null") ?? {}) as Record<string, { HostPort?: string }[] | null>;
    const ports = Object.values(bindings).flatMap((b) => (b ?? []).map((x) => Number(x.HostPort)));
    if (name && ports.includes(port)) names.push(name.replace(/^\//, ""));
  }
  return names;
}

/**
 * Removes the container an interrupted `pulumi up` was still starting on the rehearsal's port: it is in no
 * state yet, so the stack's destroy does not know it (the local engine's twin is stopStrayClusters).
 * Runs after the provider host has stopped, so nothing starts one behind it.
 */
export async function removeStrayContainers(port: number): Promise<void> {
  for (const name of await containersOnPort(port)) await removeContainer(name);
}
