/**
 * What a service's container spec becomes in pulumi-docker's `Container` inputs (5.2.0, bridging
 * kreuzwerker/terraform-provider-docker v4.5.0). Values are written the way the provider reads them
 * back from Docker, or every `up` would see a difference: healthcheck durations as Go prints them,
 * memory in MB, the CPU count as its decimal string.
 */
import type { ContainerSpec } from "./containerSpec";

/** Go's `time.Duration.String()` of a whole number of milliseconds: "0s", "500ms", "1.5s", "1m30s", "1h0m0s". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const millis = ms % 60_000;
  const seconds = `${Math.floor(millis / 1000)}${
    millis % 1000
      ? `.${String(millis % 1000)
          .padStart(3, "0")
          .replace(/0+$/, "")}`
      : ""
  }s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/**
 * While a service is adopted (its image reference still the one `npm run adopt` found), the properties
 * the provider cannot read back from a container it did not create are left as they run: after
 * `pulumi import` they are absent from the state (or shaped differently), and each of them but
 * `healthcheck` replaces the container when it differs. kreuzwerker v4.5.0
 * `resourceDockerContainerRead`: env and labels are deliberately not read, ports and log_opts only
 * when already in the state, networks_advanced names networks by ID, `image` is the tag the container
 * was started with (this stack runs a digest), mounts gain the daemon's volume options (and a `-v`
 * bind is no mount at all: `volumes` is never read); `healthcheck` is here because this stack replaces
 * on its change.
 */
export const ADOPTION_IGNORES = ["image", "envs", "labels", "mounts", "ports", "logOpts", "networksAdvanced", "healthcheck"];

/** Docker labels as pulumi-docker takes them, sorted by name; none is `undefined` (an unset input). */
export function labelList(labels: Readonly<Record<string, string>>): { label: string; value: string }[] | undefined {
  const list = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));
  return list.length > 0 ? list : undefined;
}

export interface ContainerRefs<N> {
  /** The stack's network (its name, as the network resource outputs it). */
  readonly network: N;
  /** A named volume's name, as its volume resource outputs it (so the container waits for the volume). */
  readonly volume: (name: string) => N;
}

/** Every input of a service's container but `image` and `envs`, which come from the pull and the secrets. */
export function containerInputs<N>(spec: ContainerSpec, refs: ContainerRefs<N>) {
  const h = spec.healthcheck;
  return {
    name: spec.containerName,
    restart: spec.restart,
    ports: spec.ports.map((p) => ({
      internal: p.internal,
      external: p.external,
      ip: p.ip,
      ...(p.protocol === "udp" ? { protocol: "udp" } : {}),
    })),
    networksAdvanced: [
      { name: refs.network, aliases: [...spec.aliases] },
      ...spec.networks.map((n) => ({ name: n.name as N | string, aliases: [...n.aliases] })),
    ],
    mounts:
      spec.volumes.length === 0
        ? undefined
        : spec.volumes.map((v) => ({
            type: v.kind,
            source: v.kind === "volume" ? refs.volume(v.source) : v.source,
            target: v.target,
            ...(v.readOnly ? { readOnly: true } : {}),
          })),
    healthcheck: h && {
      tests: [...h.test],
      interval: goDuration(h.intervalMs),
      timeout: goDuration(h.timeoutMs),
      startPeriod: goDuration(h.startPeriodMs),
      retries: h.retries,
    },
    command: spec.command && [...spec.command],
    entrypoints: spec.entrypoint && [...spec.entrypoint],
    labels: labelList(spec.labels),
    logDriver: spec.log?.driver,
    logOpts: spec.log && Object.keys(spec.log.options).length > 0 ? { ...spec.log.options } : undefined,
    stopSignal: spec.stopSignal,
    stopTimeout: spec.stopGracePeriodMs === undefined ? undefined : spec.stopGracePeriodMs / 1000,
    memory: spec.memoryMb,
    memorySwap: spec.memorySwapMb,
    cpus: spec.cpus,
    user: spec.user,
  };
}
