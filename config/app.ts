/**
 * The app stack's config: registry, pinned image tags, docker host, the stack's network and named
 * volumes, each service's container (config/containerSpec.ts), and the services adopted from a running
 * deployment (`npm run adopt`).
 */
import { ConfigError, isObject, optionalSection, optionalString } from "./fields";
import { ContainerSpec, parseContainerSpec, PortMapping, VolumeMount } from "./containerSpec";

export const SERVICES = ["web", "api", "worker", "baileys"] as const;
export type Service = (typeof SERVICES)[number];

/** The app stack's own secrets (`pulumi config set --secret <key>`), each required. */
export const APP_SECRET_KEYS = ["databaseUrl", "redisUrl", "s3AccessKeyId", "s3SecretAccessKey", "gatewayToken"] as const;
export type AppSecretKey = (typeof APP_SECRET_KEYS)[number];

/** Which stack secrets each service receives, as which environment variables. */
export const SECRET_ENV: Readonly<Record<Service, ReadonlyArray<readonly [string, AppSecretKey]>>> = {
  web: [],
  api: [
    ["DATABASE_URL", "databaseUrl"],
    ["REDIS_URL", "redisUrl"],
    ["BAILEYS_API_TOKEN", "gatewayToken"],
  ],
  worker: [
    ["DATABASE_URL", "databaseUrl"],
    ["REDIS_URL", "redisUrl"],
    ["S3_ACCESS_KEY_ID", "s3AccessKeyId"],
    ["S3_SECRET_ACCESS_KEY", "s3SecretAccessKey"],
    ["BAILEYS_API_TOKEN", "gatewayToken"],
  ],
  baileys: [
    ["REDIS_URL", "redisUrl"],
    ["BAILEYS_API_TOKEN", "gatewayToken"],
  ],
};

/** A named volume's own settings (what `docker volume create` was given). */
export interface VolumeSettings {
  /** Absent: the daemon's default (`local`). */
  readonly driver?: string;
  readonly driverOptions: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AppConfig {
  readonly registry: string;
  readonly imageTags: Readonly<Record<Service, string>>;
  /** Full image reference without tag, per service: `<registry>/app-<service>` unless overridden. */
  readonly repositories: Readonly<Record<Service, string>>;
  readonly dockerHost: string;
  readonly network: string;
  readonly networkLabels: Readonly<Record<string, string>>;
  readonly services: Readonly<Record<Service, ContainerSpec>>;
  /** Every named volume a service mounts, by name: the stack creates it and no destroy or replacement removes it. */
  readonly volumes: Readonly<Record<string, VolumeSettings>>;
  /** Per adopted service, the image reference its container ran when adopted (docs/app-stack.md, "Adoption"). */
  readonly adoption: Readonly<Partial<Record<Service, string>>>;
}

/** Where the gateway keeps each WhatsApp session's credentials (Baileys' `useMultiFileAuthState` folder). */
export const BAILEYS_AUTH: VolumeMount = {
  kind: "volume",
  source: "spec1-baileys-auth",
  target: "/app/auth_info_baileys",
  readOnly: false,
};

export const APP_DEFAULTS = {
  dockerHost: "unix:///var/run/docker.sock",
  network: "spec1",
  ports: {
    web: [{ internal: 3000, external: 3000, ip: "0.0.0.0", protocol: "tcp" }],
    api: [{ internal: 4000, external: 4000, ip: "0.0.0.0", protocol: "tcp" }],
    worker: [],
    baileys: [
      { internal: 4001, external: 4001, ip: "0.0.0.0", protocol: "tcp" },
      { internal: 4002, external: 4002, ip: "0.0.0.0", protocol: "tcp" },
    ],
  } satisfies Record<Service, PortMapping[]>,
  volumes: { web: [], api: [], worker: [], baileys: [BAILEYS_AUTH] } satisfies Record<Service, VolumeMount[]>,
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

function parseServices(value: unknown): Record<Service, ContainerSpec> {
  const raw = optionalSection("services", value, SERVICES, '{"api": {"env": {}}}');
  const services = Object.fromEntries(
    SERVICES.map((s) => {
      const defaults = { containerName: `spec1-${s}`, ports: APP_DEFAULTS.ports[s], volumes: APP_DEFAULTS.volumes[s], aliases: [s] };
      return [s, parseContainerSpec(`services.${s}`, raw[s], defaults)];
    }),
  ) as Record<Service, ContainerSpec>;
  for (const s of SERVICES) {
    const managed = SECRET_ENV[s].find(([name]) => name in services[s].env);
    if (managed) {
      throw new ConfigError(
        `services.${s}.env.${managed[0]}`,
        `is set by the stack from the secret ${managed[1]}`,
        `remove it from env (pulumi config set --secret ${managed[1]} …)`,
      );
    }
    const twin = SERVICES.find((o) => o !== s && services[o].containerName === services[s].containerName);
    if (twin)
      throw new ConfigError(
        `services.${s}.containerName`,
        `"${services[s].containerName}" is also ${twin}'s`,
        "give each service its own container name",
      );
  }
  // Replacing the gateway's container (every baileys rollback) must not lose the sessions' credentials.
  if (services.baileys.volumes.length === 0) {
    throw new ConfigError(
      "services.baileys.volumes",
      "keeps nothing across a replacement, so every baileys rollback would log every WhatsApp session out",
      `mount where your gateway image keeps its Baileys auth state, e.g. [${JSON.stringify({ source: BAILEYS_AUTH.source, target: BAILEYS_AUTH.target })}]`,
    );
  }
  return services;
}

function stringMap(key: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new ConfigError(key, "is not an object of strings", 'set e.g. {"com.example.owner": "ops"}');
  }
  return value as Record<string, string>;
}

function parseVolumes(value: unknown, services: Record<Service, ContainerSpec>): Record<string, VolumeSettings> {
  const used = [...new Set(SERVICES.flatMap((s) => services[s].volumes.filter((v) => v.kind === "volume").map((v) => v.source)))].sort();
  const raw = optionalSection("volumes", value, used, `{"${used[0] ?? BAILEYS_AUTH.source}": {"labels": {}}}`);
  return Object.fromEntries(
    used.map((name) => {
      const key = `volumes.${name}`;
      const v = optionalSection(key, raw[name], ["driver", "driverOptions", "labels"], '{"driver": "local"}');
      const driver = v.driver === undefined ? undefined : optionalString(`${key}.driver`, v.driver, "local");
      return [
        name,
        { driver, driverOptions: stringMap(`${key}.driverOptions`, v.driverOptions), labels: stringMap(`${key}.labels`, v.labels) },
      ];
    }),
  );
}

function parseAdoption(value: unknown): Partial<Record<Service, string>> {
  const raw = optionalSection("adoption", value, SERVICES, '{"api": "registry/app-api:20240418"}');
  for (const [s, reference] of Object.entries(raw)) {
    if (typeof reference !== "string" || reference === "") {
      throw new ConfigError(
        `adoption.${s}`,
        `${JSON.stringify(reference)} is not an image reference`,
        "leave it as npm run adopt wrote it, or remove it",
      );
    }
  }
  return raw as Partial<Record<Service, string>>;
}

export function parseAppConfig(raw: Record<string, unknown>): AppConfig {
  const registry = parseRegistry(raw.registry);
  const network = optionalString("network", raw.network, APP_DEFAULTS.network);
  const services = parseServices(raw.services);
  for (const s of SERVICES) {
    const i = services[s].networks.findIndex((n) => n.name === network);
    if (i >= 0)
      throw new ConfigError(
        `services.${s}.networks[${i}].name`,
        `"${network}" is the stack's own network`,
        "list only other networks; set aliases on it with services.<service>.aliases",
      );
  }
  return {
    registry,
    imageTags: parseImageTags(raw.imageTags),
    repositories: parseRepositories(registry, raw.imageRepositories),
    dockerHost: optionalString("dockerHost", raw.dockerHost, APP_DEFAULTS.dockerHost),
    network,
    networkLabels: stringMap("networkLabels", raw.networkLabels),
    services,
    volumes: parseVolumes(raw.volumes, services),
    adoption: parseAdoption(raw.adoption),
  };
}

/**
 * `serviceSecretEnv` (one secret object, set leaf by leaf with `pulumi config set --secret --path
 * 'serviceSecretEnv.<service>.<NAME>'`): the secret environment variables a service has beyond the
 * stack's own secrets. Checked where its value is known (inside the program's apply).
 */
export function parseServiceSecretEnv(
  value: unknown,
  services: Readonly<Record<Service, ContainerSpec>>,
): Record<Service, Record<string, string>> {
  const raw = optionalSection(
    "serviceSecretEnv",
    value,
    SERVICES,
    "(pulumi config set --secret --path 'serviceSecretEnv.api.JWT_SECRET' …)",
  );
  return Object.fromEntries(
    SERVICES.map((s) => {
      const key = `serviceSecretEnv.${s}`;
      const entries = raw[s] === undefined ? {} : raw[s];
      if (!isObject(entries))
        throw new ConfigError(key, "is not an object", `set each variable with pulumi config set --secret --path '${key}.<NAME>' …`);
      for (const [name, v] of Object.entries(entries)) {
        if (typeof v !== "string")
          throw new ConfigError(`${key}.${name}`, "is not a string", `set it with pulumi config set --secret --path '${key}.${name}' …`);
        const managed = SECRET_ENV[s].find(([n]) => n === name);
        if (managed)
          throw new ConfigError(
            `${key}.${name}`,
            `is set by the stack from the secret ${managed[1]}`,
            `remove it (pulumi config rm --path '${key}.${name}')`,
          );
        if (name in services[s].env)
          throw new ConfigError(`${key}.${name}`, `is also in services.${s}.env`, "keep it in one of the two: secrets only here");
      }
      return [s, entries as Record<string, string>];
    }),
  ) as Record<Service, Record<string, string>>;
}
