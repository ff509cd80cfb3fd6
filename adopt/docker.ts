/**
 * The docker CLI calls adoption makes, through the configured host (`docker --host ssh://…`): command
 * lines as data (asserted as exact text in test/adopt.logic.test.ts), each run bounded, and what
 * `docker inspect` answers, typed as far as adoption reads it.
 */
import { CommandLine, runCommand } from "../lib/exec";

export interface ContainerInspect {
  readonly Id: string;
  readonly Name: string;
  /** The image ID (sha256:…) the container was created from. */
  readonly Image: string;
  readonly State: { readonly Running: boolean; readonly Status: string };
  readonly Config: ImageConfig & {
    /** The image reference the container was started with, e.g. registry/app-api:20240418. */
    readonly Image: string;
    readonly StopTimeout?: number | null;
  };
  readonly HostConfig: {
    readonly RestartPolicy: { readonly Name: string };
    readonly PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    readonly LogConfig: { readonly Type: string; readonly Config?: Record<string, string> | null };
    readonly Memory: number;
    readonly MemorySwap: number;
    readonly NanoCpus: number;
  };
  /** What is mounted, however it was asked for (-v, --mount, an image VOLUME). */
  readonly Mounts: readonly { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  readonly NetworkSettings: { readonly Networks: Record<string, { Aliases?: string[] | null; NetworkID: string }> };
}

export interface ImageConfig {
  readonly Env?: string[] | null;
  readonly Cmd?: string[] | null;
  readonly Entrypoint?: string[] | null;
  readonly Labels?: Record<string, string> | null;
  readonly User?: string;
  readonly StopSignal?: string;
  readonly Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } | null;
}

export interface ImageInspect {
  readonly Id: string;
  readonly Config: ImageConfig;
}

export interface VolumeInspect {
  readonly Name: string;
  readonly Driver: string;
  readonly Options?: Record<string, string> | null;
  readonly Labels?: Record<string, string> | null;
}

export interface NetworkInspect {
  readonly Id: string;
  readonly Name: string;
  readonly Driver: string;
  readonly Internal: boolean;
  readonly Attachable: boolean;
  readonly EnableIPv6: boolean;
  readonly Labels?: Record<string, string> | null;
}

export const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";

/** `docker --host <host> <args…>`: every call goes to the host the stack deploys to. */
export function dockerCommand(host: string, ...args: string[]): CommandLine {
  return { command: "docker", args: ["--host", host, ...args] };
}

/** Every container compose started (running or not): full ID, compose service and project, name. */
export function composeContainersCommand(host: string): CommandLine {
  const format = `{{.ID}}\t{{.Label "${COMPOSE_SERVICE_LABEL}"}}\t{{.Label "${COMPOSE_PROJECT_LABEL}"}}\t{{.Names}}`;
  return dockerCommand(host, "ps", "--all", "--no-trunc", "--filter", `label=${COMPOSE_SERVICE_LABEL}`, "--format", format);
}

/** One object at a time, as JSON: a 64 KiB bound on output is then never near. */
export function inspectCommand(host: string, kind: "container" | "image" | "volume" | "network", name: string): CommandLine {
  return dockerCommand(host, kind, "inspect", "--format", "{{json .}}", name);
}

export interface DockerRunner {
  run(cmd: CommandLine, what: string): Promise<string>;
}

/** Runs docker bounded by `timeoutMs` per call; its errors carry docker's own last lines. */
export function dockerRunner(timeoutMs: number): DockerRunner {
  return { run: (cmd, what) => runCommand(cmd, { what, timeoutMs }) };
}

/**
 * `docker <kind> inspect` of one object. The answer holds secrets (container env): a parse error
 * must not quote it, so it says only where it failed.
 */
export async function inspect<T>(
  docker: DockerRunner,
  host: string,
  kind: "container" | "image" | "volume" | "network",
  name: string,
): Promise<T> {
  const out = await docker.run(inspectCommand(host, kind, name), `docker ${kind} inspect ${name}`);
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new Error(`docker ${kind} inspect ${name}: the answer (${out.length} bytes) is not JSON`);
  }
}
