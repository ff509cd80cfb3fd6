/**
 * One running container read as the stack's `services.<service>` settings: what it was started with,
 * minus what it inherits from its image (env, labels, command, user, …: a new image brings its own)
 * and minus compose's bookkeeping labels. Secret env values are only named, never returned; what the
 * spec cannot say is listed as a note.
 */
import { createHash } from "crypto";
import { AppSecretKey, SECRET_ENV, Service } from "../config/app";
import { cpusFromNanos } from "../config/containerSpec";
import type { ContainerInspect, ImageInspect } from "./docker";
import { secretReason } from "./secrets";

export interface FoundSecret {
  readonly name: string;
  readonly reason: string;
  /** The stack secret it becomes, or undefined for `serviceSecretEnv.<service>.<name>`. */
  readonly stackKey?: AppSecretKey;
  /** A hash of the value: compares services without holding the value. */
  readonly digest: string;
}

export interface ServiceFindings {
  readonly service: Service;
  readonly containerId: string;
  readonly image: string;
  /** `services.<service>` as the stack file will hold it. */
  readonly spec: Record<string, unknown>;
  readonly secrets: readonly FoundSecret[];
  /** Named volumes it mounts. */
  readonly volumes: readonly string[];
  readonly notes: readonly string[];
}

const MIB = 1024 * 1024;
const COMPOSE_LABEL = "com.docker.compose.";
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function envMap(entries: readonly string[] | null | undefined): Map<string, string> {
  return new Map((entries ?? []).map((e) => [e.slice(0, e.indexOf("=") < 0 ? e.length : e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** The user-defined networks every container joined: the stack's network is the one they share. */
export function sharedNetworks(containers: readonly ContainerInspect[]): string[] {
  const sets = containers.map((c) => Object.keys(c.NetworkSettings.Networks));
  return sets[0].filter((n) => !["bridge", "host", "none"].includes(n) && sets.every((s) => s.includes(n))).sort();
}

function ms(key: string, ns: number | undefined, notes: string[]): number {
  const value = (ns ?? 0) / 1e6;
  if (!Number.isInteger(value)) notes.push(`${key}: ${ns} ns is not a whole number of milliseconds; rounded to ${Math.round(value)} ms`);
  return Math.round(value);
}

function readEnv(service: Service, c: ContainerInspect, image: ImageInspect, notes: string[]) {
  const inherited = envMap(image.Config.Env);
  const managed = new Map<string, AppSecretKey>(SECRET_ENV[service]);
  const env: Record<string, string> = {};
  const secrets: FoundSecret[] = [];
  for (const [name, value] of envMap(c.Config.Env)) {
    if (inherited.get(name) === value) continue;
    const stackKey = managed.get(name);
    const reason = stackKey ? `the stack's secret ${stackKey}` : secretReason(name, value);
    if (reason) secrets.push({ name, reason, stackKey, digest: createHash("sha256").update(value).digest("hex") });
    else env[name] = value;
  }
  for (const [name, key] of managed) {
    if (!secrets.some((s) => s.name === name))
      notes.push(`env ${name}: not set today; the stack sets it from the secret ${key} when the container is next replaced`);
  }
  return { env, secrets };
}

function readPorts(c: ContainerInspect, notes: string[]) {
  const ports = Object.entries(c.HostConfig.PortBindings ?? {}).flatMap(([key, bindings]) => {
    const [internal, protocol] = key.split("/");
    return (bindings ?? []).flatMap((b) => {
      if (!b.HostPort || b.HostPort === "0") {
        notes.push(
          `ports ${key}: published on a random host port, which the stack cannot pin; left out (add it with a fixed external port)`,
        );
        return [];
      }
      return [
        {
          internal: Number(internal),
          external: Number(b.HostPort),
          ip: b.HostIp || "0.0.0.0",
          ...(protocol === "udp" ? { protocol } : {}),
        },
      ];
    });
  });
  return ports.sort((a, b) => a.internal - b.internal || a.ip.localeCompare(b.ip));
}

function readVolumes(c: ContainerInspect, notes: string[]) {
  const volumes = [...c.Mounts]
    .sort((a, b) => a.Destination.localeCompare(b.Destination))
    .flatMap((m) => {
      const readOnly = m.RW ? {} : { readOnly: true };
      if (m.Type === "bind") return [{ source: m.Source, target: m.Destination, ...readOnly }];
      if (m.Type === "volume" && m.Name && !/^[0-9a-f]{64}$/.test(m.Name)) return [{ source: m.Name, target: m.Destination, ...readOnly }];
      notes.push(
        m.Type === "volume"
          ? `volumes ${m.Destination}: an anonymous volume (the image's VOLUME); a replacement starts with an empty one: name it in services.<service>.volumes to keep its content`
          : `volumes ${m.Destination}: a ${m.Type} mount, which the stack's spec has no setting for; left out`,
      );
      return [];
    });
  return volumes;
}

function readHealthcheck(c: ContainerInspect, image: ImageInspect, notes: string[]) {
  const h = c.Config.Healthcheck;
  if (!h || same(h, image.Config.Healthcheck)) return undefined;
  return {
    test: h.Test,
    intervalMs: ms("healthcheck.interval", h.Interval, notes),
    timeoutMs: ms("healthcheck.timeout", h.Timeout, notes),
    startPeriodMs: ms("healthcheck.startPeriod", h.StartPeriod, notes),
    retries: h.Retries ?? 0,
  };
}

function readLimits(c: ContainerInspect, notes: string[]) {
  const { Memory, MemorySwap, NanoCpus } = c.HostConfig;
  if (Memory % MIB !== 0) notes.push(`memoryMb: ${Memory} bytes is not a whole MiB; rounded down (pulumi-docker counts MB)`);
  return {
    ...(Memory > 0 ? { memoryMb: Math.floor(Memory / MIB) } : {}),
    ...(Memory > 0 && MemorySwap !== 0 ? { memorySwapMb: MemorySwap < 0 ? -1 : Math.floor(MemorySwap / MIB) } : {}),
    ...(NanoCpus > 0 ? { cpus: cpusFromNanos(BigInt(NanoCpus)) } : {}),
  };
}

function readNetworks(c: ContainerInspect, network: string) {
  const shortId = c.Id.slice(0, 12);
  const aliases = (name: string) => (c.NetworkSettings.Networks[name].Aliases ?? []).filter((a) => a !== shortId);
  const extra = Object.keys(c.NetworkSettings.Networks)
    .filter((n) => n !== network)
    .sort()
    .map((name) => ({ name, aliases: aliases(name) }));
  return { aliases: aliases(network), ...(extra.length > 0 ? { networks: extra } : {}) };
}

/** `services.<service>` of a running container (and the secrets it holds, by name). */
export function describeContainer(service: Service, c: ContainerInspect, image: ImageInspect, network: string): ServiceFindings {
  const notes: string[] = [];
  if (!c.State.Running)
    notes.push(`the container is ${c.State.Status}, not running: the stack will keep it as it is until the next replacement`);
  const { env, secrets } = readEnv(service, c, image, notes);
  const labels = Object.fromEntries(
    Object.entries(c.Config.Labels ?? {}).filter(([k, v]) => !k.startsWith(COMPOSE_LABEL) && image.Config.Labels?.[k] !== v),
  );
  const healthcheck = readHealthcheck(c, image, notes);
  const entrypointChanged = !same(c.Config.Entrypoint, image.Config.Entrypoint);
  const commandChanged = (c.Config.Cmd?.length ?? 0) > 0 && (entrypointChanged || !same(c.Config.Cmd, image.Config.Cmd));
  const log = c.HostConfig.LogConfig;
  const volumes = readVolumes(c, notes);
  const spec: Record<string, unknown> = {
    containerName: c.Name.replace(/^\//, ""),
    env,
    ports: readPorts(c, notes),
    restart: c.HostConfig.RestartPolicy.Name || "no",
    volumes,
    ...(healthcheck ? { healthcheck } : {}),
    ...(commandChanged ? { command: c.Config.Cmd } : {}),
    ...(entrypointChanged && c.Config.Entrypoint ? { entrypoint: c.Config.Entrypoint } : {}),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    log: { driver: log.Type, ...(Object.keys(log.Config ?? {}).length > 0 ? { options: log.Config } : {}) },
    ...(c.Config.StopSignal && c.Config.StopSignal !== image.Config.StopSignal ? { stopSignal: c.Config.StopSignal } : {}),
    ...(c.Config.StopTimeout != null ? { stopGracePeriodMs: c.Config.StopTimeout * 1000 } : {}),
    ...readLimits(c, notes),
    ...readNetworks(c, network),
    ...(c.Config.User && c.Config.User !== image.Config.User ? { user: c.Config.User } : {}),
  };
  const named = volumes.filter((v) => !v.source.startsWith("/")).map((v) => v.source);
  return { service, containerId: c.Id, image: c.Config.Image, spec, secrets, volumes: named, notes };
}
