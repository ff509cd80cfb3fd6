/** The app stack's container spec: parsing, defaults, exact errors, and the inputs it becomes (pure, no Pulumi). */
import { parseAppConfig, parseServiceSecretEnv } from "../config/app";
import { containerInputs, goDuration } from "../config/containerInputs";
import { canonicalCpus } from "../config/containerSpec";
import { parseChecksConfig } from "../config/checks";
import { checksWaitMs, parseRollbackConfig } from "../config/notify";

const BASE = { registry: "registry", imageTags: { web: "1", api: "1", worker: "1", baileys: "1" } };
const parse = (extra: Record<string, unknown>) => parseAppConfig({ ...BASE, ...extra });
const errorOf = (extra: Record<string, unknown>) => {
  try {
    parse(extra);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("parsed without error");
};
const refs = { network: "spec1", volume: (v: string) => `vol:${v}` };

test("defaults: the gateway's auth state on a named volume the stack keeps, nothing else mounted, unless-stopped", () => {
  const c = parse({});
  expect(c.services.baileys.volumes).toEqual([
    { kind: "volume", source: "spec1-baileys-auth", target: "/app/auth_info_baileys", readOnly: false },
  ]);
  expect(c.volumes).toEqual({ "spec1-baileys-auth": { driver: undefined, driverOptions: {}, labels: {} } });
  expect([c.services.web.volumes, c.services.api.volumes, c.services.worker.volumes]).toEqual([[], [], []]);
  expect(c.services.api).toMatchObject({
    containerName: "spec1-api",
    restart: "unless-stopped",
    aliases: ["api"],
    networks: [],
    labels: {},
  });
  expect(c.adoption).toEqual({});
});

test("a full spec is read as written and becomes the provider's inputs, written as it reads them back", () => {
  const api = {
    containerName: "spec1-api-1",
    env: { LOG_LEVEL: "debug" },
    ports: [
      { internal: 4000, external: 4000, ip: "127.0.0.1" },
      { internal: 5353, external: 5353, protocol: "udp" },
    ],
    restart: "always",
    volumes: [
      { source: "spec1_uploads", target: "/app/uploads" },
      { source: "/srv/spec1/config", target: "/etc/spec1", readOnly: true },
    ],
    healthcheck: {
      test: ["CMD", "curl", "-f", "http://localhost:4000/api/health"],
      intervalMs: 90000,
      timeoutMs: 1500,
      retries: 3,
      startPeriodMs: 500,
    },
    command: ["node", "dist/main.js"],
    entrypoint: ["/entry.sh"],
    labels: { "traefik.enable": "true", "a.first": "1" },
    log: { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } },
    stopSignal: "SIGINT",
    stopGracePeriodMs: 30000,
    memoryMb: 512,
    memorySwapMb: 1024,
    cpus: 1.5,
    aliases: ["api", "backend"],
    networks: [{ name: "monitoring", aliases: ["api-metrics"] }],
    user: "1000:1000",
  };
  const c = parse({ services: { api } });
  expect(Object.keys(c.volumes)).toEqual(["spec1-baileys-auth", "spec1_uploads"]);
  expect(containerInputs(c.services.api, refs)).toEqual({
    name: "spec1-api-1",
    restart: "always",
    ports: [
      { internal: 4000, external: 4000, ip: "127.0.0.1" },
      { internal: 5353, external: 5353, ip: "0.0.0.0", protocol: "udp" },
    ],
    networksAdvanced: [
      { name: "spec1", aliases: ["api", "backend"] },
      { name: "monitoring", aliases: ["api-metrics"] },
    ],
    mounts: [
      { type: "volume", source: "vol:spec1_uploads", target: "/app/uploads" },
      { type: "bind", source: "/srv/spec1/config", target: "/etc/spec1", readOnly: true },
    ],
    healthcheck: {
      tests: ["CMD", "curl", "-f", "http://localhost:4000/api/health"],
      interval: "1m30s",
      timeout: "1.5s",
      startPeriod: "500ms",
      retries: 3,
    },
    command: ["node", "dist/main.js"],
    entrypoints: ["/entry.sh"],
    labels: [
      { label: "a.first", value: "1" },
      { label: "traefik.enable", value: "true" },
    ],
    logDriver: "json-file",
    logOpts: { "max-size": "10m", "max-file": "3" },
    stopSignal: "SIGINT",
    stopTimeout: 30,
    memory: 512,
    memorySwap: 1024,
    cpus: "1.5",
    user: "1000:1000",
  });
});

test("durations as Go prints them (what pulumi-docker reads back), CPU counts as its decimal string", () => {
  expect([0, 500, 1000, 1500, 30000, 61001, 90000, 3600000, 5400000, 3723004].map(goDuration)).toEqual([
    "0s",
    "500ms",
    "1s",
    "1.5s",
    "30s",
    "1m1.001s",
    "1m30s",
    "1h0m0s",
    "1h30m0s",
    "1h2m3.004s",
  ]);
  expect(["2", "2.0", 1.5, "0.25", "0.000000001"].map((v) => canonicalCpus("cpus", v))).toEqual([
    "2.0",
    "2.0",
    "1.5",
    "0.25",
    "0.000000001",
  ]);
});

describe("bad values name the key and the fix", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "baileys without a volume",
      { services: { baileys: { volumes: [] } } },
      `services.baileys.volumes: keeps nothing across a replacement, so every baileys rollback would log every WhatsApp session out; mount where your gateway image keeps its Baileys auth state, e.g. [{"source":"spec1-baileys-auth","target":"/app/auth_info_baileys"}]`,
    ],
    [
      "volume source",
      { services: { api: { volumes: [{ source: "my vol", target: "/x" }] } } },
      'services.api.volumes[0].source: "my vol" is neither a volume name (letters, digits, _ . -, starting with a letter or digit) nor an absolute host path; set e.g. "spec1-baileys-auth" (named volume) or "/srv/spec1/config" (bind mount)',
    ],
    [
      "volume target",
      { services: { api: { volumes: [{ source: "data", target: "data" }] } } },
      'services.api.volumes[0].target: "data" is not an absolute container path; set e.g. "/app/data"',
    ],
    [
      "healthcheck test",
      { services: { api: { healthcheck: { test: ["curl", "-f", "x"] } } } },
      'services.api.healthcheck.test: ["curl","-f","x"] does not start with CMD, CMD-SHELL or NONE; set e.g. ["CMD", "curl", "-f", "http://localhost:4000/api/health"]',
    ],
    [
      "healthcheck interval",
      { services: { api: { healthcheck: { test: ["NONE"], intervalMs: -1 } } } },
      "services.api.healthcheck.intervalMs: -1 is not an integer ≥ 0; set e.g. 0",
    ],
    [
      "grace period",
      { services: { api: { stopGracePeriodMs: 1500 } } },
      "services.api.stopGracePeriodMs: 1500 is not a whole number of seconds (Docker's stop timeout counts seconds); set e.g. 2000",
    ],
    ["cpus", { services: { api: { cpus: "two" } } }, 'services.api.cpus: "two" is not a CPU count above 0; set e.g. "1.5"'],
    ["memory", { services: { api: { memoryMb: 2 } } }, "services.api.memoryMb: 2 is not an integer ≥ 6; set e.g. 512"],
    [
      "swap below memory",
      { services: { api: { memoryMb: 512, memorySwapMb: 256 } } },
      "services.api.memorySwapMb: 256 is below memoryMb (512); set at least 512 (it counts memory + swap), or -1 for unlimited swap",
    ],
    [
      "swap alone",
      { services: { api: { memorySwapMb: 256 } } },
      "services.api.memorySwapMb: is set without memoryMb; set memoryMb too (Docker refuses a swap limit without a memory limit)",
    ],
    [
      "restart",
      { services: { api: { restart: "sometimes" } } },
      'services.api.restart: "sometimes" is not one of no, on-failure, always, unless-stopped; set one of them (default unless-stopped)',
    ],
    [
      "compose label",
      { services: { web: { labels: { "com.docker.compose.project": "spec1" } } } },
      "services.web.labels.com.docker.compose.project: is docker compose's own label: compose would treat this container as one of its own; remove it (never run compose and this stack on the same services)",
    ],
    ["label value", { services: { web: { labels: { tier: 1 } } } }, 'services.web.labels.tier: 1 is not a string; quote it, e.g. "1"'],
    [
      "log driver",
      { services: { web: { log: { options: { "max-size": "1m" } } } } },
      'services.web.log.driver: is not set; set e.g. "json-file"',
    ],
    ["stop signal", { services: { web: { stopSignal: "term" } } }, 'services.web.stopSignal: "term" is not a signal; set e.g. "SIGTERM"'],
    [
      "secret in plain env",
      { services: { api: { env: { DATABASE_URL: "postgres://x" } } } },
      "services.api.env.DATABASE_URL: is set by the stack from the secret databaseUrl; remove it from env (pulumi config set --secret databaseUrl …)",
    ],
    [
      "container name twice",
      { services: { web: { containerName: "spec1-api" } } },
      'services.web.containerName: "spec1-api" is also api\'s; give each service its own container name',
    ],
    [
      "own network as extra",
      { network: "spec1_default", services: { api: { networks: [{ name: "spec1_default" }] } } },
      'services.api.networks[0].name: "spec1_default" is the stack\'s own network; list only other networks; set aliases on it with services.<service>.aliases',
    ],
    ["settings of an unmounted volume", { volumes: { other: {} } }, "volumes.other: is not a known key; use one of spec1-baileys-auth"],
    [
      "adoption reference",
      { adoption: { api: 3 } },
      "adoption.api: 3 is not an image reference; leave it as npm run adopt wrote it, or remove it",
    ],
  ];
  test.each(cases)("%s", (_label, extra, message) => {
    expect(errorOf(extra)).toBe(message);
  });

  test("a secret env variable the stack already sets, or one also in plain env", () => {
    const services = parse({ services: { api: { env: { LOG_LEVEL: "info" } } } }).services;
    const check = (value: unknown) => {
      try {
        return parseServiceSecretEnv(value, services);
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(check({ api: { REDIS_URL: "x" } })).toBe(
      "serviceSecretEnv.api.REDIS_URL: is set by the stack from the secret redisUrl; remove it (pulumi config rm --path 'serviceSecretEnv.api.REDIS_URL')",
    );
    expect(check({ api: { LOG_LEVEL: "x" } })).toBe(
      "serviceSecretEnv.api.LOG_LEVEL: is also in services.api.env; keep it in one of the two: secrets only here",
    );
    expect(check({ api: { JWT_SECRET: "s" } })).toEqual({ web: {}, api: { JWT_SECRET: "s" }, worker: {}, baileys: {} });
  });
});

test("the notice waits for the checks' verdicts as long as the longest check can take, plus a container replacement", () => {
  const checks = parseChecksConfig(undefined);
  // send-rate: 300 s deadline + a 60 s window + a 5 s request, then 60 s for the replacement.
  expect(checksWaitMs(parseRollbackConfig(undefined), checks)).toBe(425000);
  expect(checksWaitMs(parseRollbackConfig({ checksWaitMs: 20000 }), checks)).toBe(20000);
  expect(() => parseRollbackConfig({ checksWaitMs: 0 })).toThrow("rollback.checksWaitMs: 0 is not an integer ≥ 1; set e.g. 600000");
});
