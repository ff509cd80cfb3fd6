/** The app stack's config: registry, pinned image tags, docker host, per-service env and ports. */
import { ConfigError, isObject, optionalSection, optionalString, rejectUnknownKeys } from "./fields";

export const SERVICES = ["web", "api", "worker", "baileys"] as const;
export type Service = (typeof SERVICES)[number];

export interface PortMapping {
  readonly internal: number;
  readonly external: number;
  /** Host address the port is published on. */
  readonly ip: string;
}

export interface ServiceSettings {
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly PortMapping[];
}

export interface AppConfig {
  readonly registry: string;
  readonly imageTags: Readonly<Record<Service, string>>;
  /** Full image reference without tag, per service: `<registry>/app-<service>` unless overridden. */
  readonly repositories: Readonly<Record<Service, string>>;
  readonly dockerHost: string;
  readonly network: string;
  readonly services: Readonly<Record<Service, ServiceSettings>>;
}

export const APP_DEFAULTS = {
  dockerHost: "unix:///var/run/docker.sock",
  network: "spec1",
  ports: {
    web: [{ internal: 3000, external: 3000, ip: "0.0.0.0" }],
    api: [{ internal: 4000, external: 4000, ip: "0.0.0.0" }],
    worker: [],
    baileys: [
      { internal: 4001, external: 4001, ip: "0.0.0.0" },
      { internal: 4002, external: 4002, ip: "0.0.0.0" },
    ],
  } satisfies Record<Service, PortMapping[]>,
} as const;

/** Docker's tag grammar, optionally pinned further by digest. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?$/;
const EXAMPLE_TAG = "20240418";

export function parseImageTag(service: string, value: unknown): string {
  const key = `imageTags.${service}`;
  const fix = `set e.g. ${EXAMPLE_TAG} (pulumi config set --path ${key} ${EXAMPLE_TAG})`;
  if (value === undefined || value === null || value === "") throw new ConfigError(key, "no tag is set", fix);
  // `pulumi config set --path imageTags.api 20240418` stores a number.
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return parseImageTag(service, String(value));
  if (typeof value !== "string") throw new ConfigError(key, `${JSON.stringify(value)} is not a tag string`, fix);
  const bareTag = value.split("@")[0];
  if (bareTag.toLowerCase() === "latest") throw new ConfigError(key, `"${value}" is not a pinned tag`, fix);
  if (!TAG.test(value)) {
    throw new ConfigError(
      key,
      `"${value}" is not a valid Docker tag (letters, digits, _ . -, at most 128, not starting with . or -; optionally @sha256:<64 hex>)`,
      fix,
    );
  }
  return value;
}

export function parseImageTags(value: unknown): Record<Service, string> {
  const fix = `set all of ${SERVICES.join(", ")} (pulumi config set --path imageTags.api ${EXAMPLE_TAG})`;
  if (!isObject(value)) throw new ConfigError("imageTags", "is missing or not an object", fix);
  for (const key of Object.keys(value)) {
    if (!(SERVICES as readonly string[]).includes(key)) {
      throw new ConfigError(`imageTags.${key}`, "is not a service of this stack", `use only ${SERVICES.join(", ")}`);
    }
  }
  return Object.fromEntries(SERVICES.map((s) => [s, parseImageTag(s, value[s])])) as Record<Service, string>;
}

const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?(\/[a-z0-9._-]+)*$/;

export function parseRegistry(value: unknown): string {
  const fix = "set e.g. registry.example.com/spec1 (pulumi config set registry …)";
  if (typeof value !== "string" || value === "") throw new ConfigError("registry", "is not set", fix);
  if (!REGISTRY.test(value)) throw new ConfigError("registry", `"${value}" is not a registry host or path`, fix);
  return value;
}

function parseRepositories(registry: string, value: unknown): Record<Service, string> {
  const overrides = optionalSection("imageRepositories", value, SERVICES, '{"api": "registry/app-api"}');
  return Object.fromEntries(
    SERVICES.map((s) => [s, optionalString(`imageRepositories.${s}`, overrides[s], `${registry}/app-${s}`)]),
  ) as Record<Service, string>;
}

function parsePort(key: string, value: unknown): PortMapping {
  if (!isObject(value)) throw new ConfigError(key, "is not an object", 'set e.g. {"internal": 4000, "external": 4000}');
  rejectUnknownKeys(key, value, ["internal", "external", "ip"]);
  const port = (k: string) => {
    const n = Number(value[k]);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new ConfigError(`${key}.${k}`, `${JSON.stringify(value[k])} is not a port 1–65535`, "set e.g. 4000");
    return n;
  };
  return { internal: port("internal"), external: port("external"), ip: optionalString(`${key}.ip`, value.ip, "0.0.0.0") };
}

function parseServiceSettings(service: Service, value: unknown): ServiceSettings {
  const key = `services.${service}`;
  const raw = optionalSection(key, value, ["env", "ports"], '{"env": {"LOG_LEVEL": "info"}}');
  const env = raw.env === undefined ? {} : raw.env;
  if (!isObject(env) || Object.values(env).some((v) => typeof v !== "string")) {
    throw new ConfigError(
      `${key}.env`,
      "is not an object of strings",
      'set e.g. {"LOG_LEVEL": "info"}; secrets go through pulumi config set --secret',
    );
  }
  if (raw.ports !== undefined && !Array.isArray(raw.ports))
    throw new ConfigError(`${key}.ports`, "is not a list", 'set e.g. [{"internal": 4000, "external": 4000}]');
  const ports =
    raw.ports === undefined ? APP_DEFAULTS.ports[service] : (raw.ports as unknown[]).map((p, i) => parsePort(`${key}.ports[${i}]`, p));
  return { env: env as Record<string, string>, ports };
}

export function parseAppConfig(raw: Record<string, unknown>): AppConfig {
  const registry = parseRegistry(raw.registry);
  const services = optionalSection("services", raw.services, SERVICES, '{"api": {"env": {}}}');
  return {
    registry,
    imageTags: parseImageTags(raw.imageTags),
    repositories: parseRepositories(registry, raw.imageRepositories),
    dockerHost: optionalString("dockerHost", raw.dockerHost, APP_DEFAULTS.dockerHost),
    network: optionalString("network", raw.network, APP_DEFAULTS.network),
    services: Object.fromEntries(SERVICES.map((s) => [s, parseServiceSettings(s, services[s])])) as Record<Service, ServiceSettings>,
  };
}
