/**
 * One service's container, as `spec1:services.<service>` describes it: what compose carries today
 * (volumes, healthcheck, command, labels, log options, stop signal and grace period, limits, networks,
 * user) with the same key-and-fix errors as the rest of the config. Durations are in ms like every
 * duration here; memory is in MB, the unit pulumi-docker reads back.
 */
import { ConfigError, isObject, oneOf, optionalMs, optionalNumber, optionalSection, optionalString, rejectUnknownKeys } from "./fields";

export const RESTART_POLICIES = ["no", "on-failure", "always", "unless-stopped"] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export interface PortMapping {
  readonly internal: number;
  readonly external: number;
  /** Host address the port is published on. */
  readonly ip: string;
  readonly protocol: "tcp" | "udp";
}

/** A named volume (`source` is its name) or a bind mount (`source` is an absolute host path). */
export interface VolumeMount {
  readonly kind: "volume" | "bind";
  readonly source: string;
  /** Absolute path in the container. */
  readonly target: string;
  readonly readOnly: boolean;
}

export interface Healthcheck {
  /** `["CMD", …]`, `["CMD-SHELL", "<shell line>"]`, or `["NONE"]` to switch off the image's own. */
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly startPeriodMs: number;
  readonly retries: number;
}

export interface ExtraNetwork {
  /** An existing Docker network the stack does not manage (e.g. a monitoring network). */
  readonly name: string;
  readonly aliases: readonly string[];
}

export interface ContainerSpec {
  readonly containerName: string;
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly PortMapping[];
  readonly restart: RestartPolicy;
  readonly volumes: readonly VolumeMount[];
  readonly healthcheck?: Healthcheck;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly log?: { readonly driver: string; readonly options: Readonly<Record<string, string>> };
  readonly stopSignal?: string;
  readonly stopGracePeriodMs?: number;
  readonly memoryMb?: number;
  /** Memory + swap; -1 = unlimited swap. */
  readonly memorySwapMb?: number;
  /** CPU count as Docker reads it back, e.g. "1.5" or "2.0". */
  readonly cpus?: string;
  /** Names the service answers to on the stack's network. */
  readonly aliases: readonly string[];
  readonly networks: readonly ExtraNetwork[];
  readonly user?: string;
}

export const SPEC_KEYS = [
  "containerName",
  "env",
  "ports",
  "restart",
  "volumes",
  "healthcheck",
  "command",
  "entrypoint",
  "labels",
  "log",
  "stopSignal",
  "stopGracePeriodMs",
  "memoryMb",
  "memorySwapMb",
  "cpus",
  "aliases",
  "networks",
  "user",
] as const;

/** What a service gets for each setting it leaves out. */
export interface SpecDefaults {
  readonly containerName: string;
  readonly ports: readonly PortMapping[];
  readonly volumes: readonly VolumeMount[];
  readonly aliases: readonly string[];
}

// Docker's own name rules for containers and volumes.
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const SIGNAL = /^(SIG[A-Z0-9+-]+|[0-9]+)$/;
const COMPOSE_LABEL = "com.docker.compose.";

function stringList(key: string, value: unknown, example: string): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== "string" || v === "")) {
    throw new ConfigError(key, `${JSON.stringify(value)} is not a list of non-empty strings`, `set e.g. ${example}`);
  }
  return value as string[];
}

function stringMap(key: string, value: unknown, example: string): Record<string, string> {
  if (!isObject(value)) throw new ConfigError(key, `${JSON.stringify(value)} is not an object`, `set e.g. ${example}`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw new ConfigError(`${key}.${k}`, `${JSON.stringify(v)} is not a string`, `quote it, e.g. "${v}"`);
  }
  return value as Record<string, string>;
}

function parsePort(key: string, value: unknown): PortMapping {
  if (!isObject(value)) throw new ConfigError(key, "is not an object", 'set e.g. {"internal": 4000, "external": 4000}');
  rejectUnknownKeys(key, value, ["internal", "external", "ip", "protocol"]);
  const port = (k: string) => {
    const n = Number(value[k]);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new ConfigError(`${key}.${k}`, `${JSON.stringify(value[k])} is not a port 1–65535`, "set e.g. 4000");
    return n;
  };
  return {
    internal: port("internal"),
    external: port("external"),
    ip: optionalString(`${key}.ip`, value.ip, "0.0.0.0"),
    protocol: oneOf(`${key}.protocol`, value.protocol, ["tcp", "udp"], "tcp"),
  };
}

function parseVolume(key: string, value: unknown): VolumeMount {
  const example = '{"source": "spec1-baileys-auth", "target": "/app/auth_info_baileys"}';
  if (!isObject(value)) throw new ConfigError(key, "is not an object", `set e.g. ${example}`);
  rejectUnknownKeys(key, value, ["source", "target", "readOnly"]);
  const source = value.source;
  const isBind = typeof source === "string" && source.startsWith("/");
  if (typeof source !== "string" || (!isBind && !DOCKER_NAME.test(source))) {
    throw new ConfigError(
      `${key}.source`,
      `${JSON.stringify(source)} is neither a volume name (letters, digits, _ . -, starting with a letter or digit) nor an absolute host path`,
      'set e.g. "spec1-baileys-auth" (named volume) or "/srv/spec1/config" (bind mount)',
    );
  }
  if (typeof value.target !== "string" || !value.target.startsWith("/")) {
    throw new ConfigError(`${key}.target`, `${JSON.stringify(value.target)} is not an absolute container path`, 'set e.g. "/app/data"');
  }
  const readOnly = value.readOnly === undefined ? false : value.readOnly;
  if (typeof readOnly !== "boolean")
    throw new ConfigError(`${key}.readOnly`, `${JSON.stringify(readOnly)} is not true or false`, "set true or false");
  return { kind: isBind ? "bind" : "volume", source, target: value.target, readOnly };
}

function parseHealthcheck(key: string, value: unknown): Healthcheck {
  const example = '["CMD", "curl", "-f", "http://localhost:4000/api/health"]';
  const raw = optionalSection(key, value, ["test", "intervalMs", "timeoutMs", "startPeriodMs", "retries"], `{"test": ${example}}`);
  const test = stringList(`${key}.test`, raw.test, example);
  if (!["CMD", "CMD-SHELL", "NONE"].includes(test[0])) {
    throw new ConfigError(`${key}.test`, `${JSON.stringify(test)} does not start with CMD, CMD-SHELL or NONE`, `set e.g. ${example}`);
  }
  // 0 = Docker's own default (30 s interval and timeout, no start period), as in a HEALTHCHECK line.
  return {
    test,
    intervalMs: optionalMs(`${key}.intervalMs`, raw.intervalMs, 0, { min: 0 }),
    timeoutMs: optionalMs(`${key}.timeoutMs`, raw.timeoutMs, 0, { min: 0 }),
    startPeriodMs: optionalMs(`${key}.startPeriodMs`, raw.startPeriodMs, 0, { min: 0 }),
    retries: optionalNumber(`${key}.retries`, raw.retries, 0, { min: 0, integer: true }),
  };
}

function parseLog(key: string, value: unknown): { driver: string; options: Record<string, string> } {
  const raw = optionalSection(key, value, ["driver", "options"], '{"driver": "json-file", "options": {"max-size": "10m"}}');
  if (typeof raw.driver !== "string" || raw.driver === "") throw new ConfigError(`${key}.driver`, "is not set", 'set e.g. "json-file"');
  const options = raw.options === undefined ? {} : stringMap(`${key}.options`, raw.options, '{"max-size": "10m", "max-file": "3"}');
  return { driver: raw.driver, options };
}

function parseNetworks(key: string, value: unknown): ExtraNetwork[] {
  const example = '[{"name": "monitoring", "aliases": ["api"]}]';
  if (!Array.isArray(value)) throw new ConfigError(key, "is not a list", `set e.g. ${example}`);
  return value.map((n, i) => {
    const k = `${key}[${i}]`;
    if (!isObject(n)) throw new ConfigError(k, "is not an object", `set e.g. ${example}`);
    rejectUnknownKeys(k, n, ["name", "aliases"]);
    if (typeof n.name !== "string" || n.name === "")
      throw new ConfigError(`${k}.name`, "is not set", 'set the network\'s name, e.g. "monitoring"');
    return { name: n.name, aliases: n.aliases === undefined ? [] : stringList(`${k}.aliases`, n.aliases, '["api"]') };
  });
}

/** The CPU count as pulumi-docker writes it back (`nanoInt64ToDecimalString`): "2.0", "1.5", "0.25". */
export function cpusFromNanos(nanos: bigint): string {
  const whole = nanos / 1_000_000_000n;
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${whole}.${fraction || "0"}`;
}

/** A CPU count as configured ("1.5", 2, "0.25"), written as pulumi-docker reads it back. */
export function canonicalCpus(key: string, value: unknown): string {
  const text = typeof value === "number" ? String(value) : value;
  const match = typeof text === "string" ? /^(\d+)(?:\.(\d{1,9}))?$/.exec(text) : null;
  const nanos = match ? BigInt(match[1]) * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0") || "0") : 0n;
  if (!match || nanos === 0n) throw new ConfigError(key, `${JSON.stringify(value)} is not a CPU count above 0`, 'set e.g. "1.5"');
  return cpusFromNanos(nanos);
}

function parseLimits(key: string, raw: Record<string, unknown>) {
  const memoryMb = raw.memoryMb === undefined ? undefined : optionalNumber(`${key}.memoryMb`, raw.memoryMb, 512, { min: 6, integer: true });
  const memorySwapMb =
    raw.memorySwapMb === undefined ? undefined : optionalNumber(`${key}.memorySwapMb`, raw.memorySwapMb, 1024, { min: -1, integer: true });
  if (memorySwapMb !== undefined && memoryMb === undefined) {
    throw new ConfigError(
      `${key}.memorySwapMb`,
      "is set without memoryMb",
      "set memoryMb too (Docker refuses a swap limit without a memory limit)",
    );
  }
  if (memorySwapMb !== undefined && memorySwapMb !== -1 && memorySwapMb < memoryMb!) {
    throw new ConfigError(
      `${key}.memorySwapMb`,
      `${memorySwapMb} is below memoryMb (${memoryMb})`,
      `set at least ${memoryMb} (it counts memory + swap), or -1 for unlimited swap`,
    );
  }
  const stopGracePeriodMs =
    raw.stopGracePeriodMs === undefined ? undefined : optionalMs(`${key}.stopGracePeriodMs`, raw.stopGracePeriodMs, 10000, { min: 0 });
  if (stopGracePeriodMs !== undefined && stopGracePeriodMs % 1000 !== 0) {
    throw new ConfigError(
      `${key}.stopGracePeriodMs`,
      `${stopGracePeriodMs} is not a whole number of seconds (Docker's stop timeout counts seconds)`,
      `set e.g. ${Math.max(1000, Math.round(stopGracePeriodMs / 1000) * 1000)}`,
    );
  }
  return { memoryMb, memorySwapMb, stopGracePeriodMs, cpus: raw.cpus === undefined ? undefined : canonicalCpus(`${key}.cpus`, raw.cpus) };
}

function parseLabels(key: string, value: unknown): Record<string, string> {
  const labels = value === undefined ? {} : stringMap(key, value, '{"traefik.enable": "true"}');
  const compose = Object.keys(labels).find((l) => l.startsWith(COMPOSE_LABEL));
  if (compose) {
    throw new ConfigError(
      `${key}.${compose}`,
      "is docker compose's own label: compose would treat this container as one of its own",
      "remove it (never run compose and this stack on the same services)",
    );
  }
  return labels;
}

/** `services.<service>`: every setting validated, absent ones from `defaults`. */
export function parseContainerSpec(key: string, value: unknown, defaults: SpecDefaults): ContainerSpec {
  const raw = optionalSection(key, value, SPEC_KEYS, '{"env": {"LOG_LEVEL": "info"}}');
  const env = raw.env === undefined ? {} : raw.env;
  if (!isObject(env) || Object.values(env).some((v) => typeof v !== "string")) {
    throw new ConfigError(
      `${key}.env`,
      "is not an object of strings",
      'set e.g. {"LOG_LEVEL": "info"}; secrets go through pulumi config set --secret',
    );
  }
  const badName = Object.keys(env).find((n) => !ENV_NAME.test(n));
  if (badName !== undefined)
    throw new ConfigError(`${key}.env.${badName}`, "is not an environment variable name", "use letters, digits and _");
  const containerName = optionalString(`${key}.containerName`, raw.containerName, defaults.containerName);
  if (!DOCKER_NAME.test(containerName)) {
    throw new ConfigError(
      `${key}.containerName`,
      `"${containerName}" is not a Docker container name`,
      `set e.g. "${defaults.containerName}"`,
    );
  }
  if (raw.ports !== undefined && !Array.isArray(raw.ports))
    throw new ConfigError(`${key}.ports`, "is not a list", 'set e.g. [{"internal": 4000, "external": 4000}]');
  if (raw.volumes !== undefined && !Array.isArray(raw.volumes))
    throw new ConfigError(`${key}.volumes`, "is not a list", 'set e.g. [{"source": "spec1-uploads", "target": "/app/uploads"}]');
  const stopSignal = raw.stopSignal === undefined ? undefined : String(raw.stopSignal);
  if (stopSignal !== undefined && !SIGNAL.test(stopSignal))
    throw new ConfigError(`${key}.stopSignal`, `"${stopSignal}" is not a signal`, 'set e.g. "SIGTERM"');
  return {
    containerName,
    env: env as Record<string, string>,
    ports: raw.ports === undefined ? defaults.ports : (raw.ports as unknown[]).map((p, i) => parsePort(`${key}.ports[${i}]`, p)),
    restart: oneOf(`${key}.restart`, raw.restart, RESTART_POLICIES, "unless-stopped"),
    volumes:
      raw.volumes === undefined ? defaults.volumes : (raw.volumes as unknown[]).map((v, i) => parseVolume(`${key}.volumes[${i}]`, v)),
    healthcheck: raw.healthcheck === undefined ? undefined : parseHealthcheck(`${key}.healthcheck`, raw.healthcheck),
    command: raw.command === undefined ? undefined : stringList(`${key}.command`, raw.command, '["node", "dist/main.js"]'),
    entrypoint: raw.entrypoint === undefined ? undefined : stringList(`${key}.entrypoint`, raw.entrypoint, '["/docker-entrypoint.sh"]'),
    labels: parseLabels(`${key}.labels`, raw.labels),
    log: raw.log === undefined ? undefined : parseLog(`${key}.log`, raw.log),
    stopSignal,
    ...parseLimits(key, raw),
    aliases: raw.aliases === undefined ? defaults.aliases : stringList(`${key}.aliases`, raw.aliases, '["api"]'),
    networks: raw.networks === undefined ? [] : parseNetworks(`${key}.networks`, raw.networks),
    user: raw.user === undefined ? undefined : optionalString(`${key}.user`, raw.user, "1000:1000"),
  };
}
