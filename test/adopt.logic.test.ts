/** Adoption's pure parts: its command lines as exact text, which env values count as secrets, image references. */
import { composeContainersCommand, inspectCommand } from "../adopt/docker";
import { pulumiSteps, secretCommands, secretConflicts, secretScript, shellLine } from "../adopt/outputs";
import { secretReason } from "../adopt/secrets";
import { adoptedConfig, splitImage } from "../adopt/stackConfig";
import type { Adoption } from "../adopt/stackConfig";
import type { ServiceFindings } from "../adopt/containers";
import { adoptArgs } from "../scripts/adopt";

const HOST = "ssh://deploy@app-host";

test("docker is asked through the configured host, one object at a time", () => {
  expect(shellLine([composeContainersCommand(HOST)])).toBe(
    `docker --host ssh://deploy@app-host ps --all --no-trunc --filter label=com.docker.compose.service --format '{{.ID}}\t{{.Label "com.docker.compose.service"}}\t{{.Label "com.docker.compose.project"}}\t{{.Names}}'`,
  );
  expect(shellLine([inspectCommand(HOST, "container", "spec1-api-1")])).toBe(
    "docker --host ssh://deploy@app-host container inspect --format '{{json .}}' spec1-api-1",
  );
});

test("the procedure's pulumi commands", () => {
  const steps = pulumiSteps("prod", "adopt-prod/import.json");
  expect(Object.values(steps).map((c) => shellLine([c]))).toEqual([
    "pulumi up --target urn:pulumi:prod::spec1::spec1:app:AppServices::spec1 --target 'urn:pulumi:prod::spec1::spec1:app:AppServices$pulumi:providers:docker::spec1-docker' --stack prod",
    "pulumi import --file adopt-prod/import.json --protect=false --generate-code=false --stack prod",
    "pulumi preview --diff --stack prod",
  ]);
});

describe("secret env values", () => {
  const cases: [string, string, string | undefined][] = [
    ["DB_PASSWORD", "hunter2", "its name says so"],
    ["S3_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "its name says so"],
    ["OPENAI_API_KEY", "x", "its name says so"],
    ["SMTP_PASS", "x", "its name says so"],
    ["DATABASE_URL", "postgres://spec1:pw@db:5432/spec1", "credentials in the URL"],
    ["AMQP", "amqp://:pw@mq", "credentials in the URL"],
    ["PG_CONN", "host=db user=spec1 password=pw", "a password in the value"],
    ["UPSTREAM", "sk-abcdefghijklmnopqrstuv", "a token's shape"],
    ["SIGNING", "k3Jd9Q2mXv7Lp0aZ4rT8yWc1Ns6Bh5Ge", "a random token's shape"],
    ["LOG_LEVEL", "info", undefined],
    ["KEYCLOAK_URL", "https://sso.laptoppro.my/realms/spec1", undefined],
    ["PUBLIC_URL", "https://whatsappbot.laptoppro.my", undefined],
    ["QUEUE_NAMES", "outbound-messages,maintenance", undefined],
    ["TZ", "Asia/Kuala_Lumpur", undefined],
  ];
  test.each(cases)("%s=%s", (name, value, reason) => {
    expect(secretReason(name, value)).toBe(reason);
  });
});

test("an image without a pinned tag cannot be adopted as it runs: the error says how to pin it first", () => {
  expect(splitImage("api", "registry/app-api:20240418@sha256:" + "a".repeat(64))).toEqual({
    repository: "registry/app-api",
    tag: "20240418@sha256:" + "a".repeat(64),
  });
  expect(splitImage("api", "registry:5000/app-api:1.2")).toEqual({ repository: "registry:5000/app-api", tag: "1.2" });
  const fix =
    "tag the running image with a pinned tag and recreate api with compose first (docker tag registry/app-api:latest <repository>:<tag>, then set that image in the compose file and docker compose up -d api), then adopt again";
  expect(() => splitImage("api", "registry/app-api:latest")).toThrow(
    `api: runs registry/app-api:latest: imageTags.api: "latest" is not a pinned tag; ${fix}`,
  );
  expect(() => splitImage("api", "registry:5000/app-api")).toThrow(
    "api: runs registry:5000/app-api, which names no tag; tag the running image with a pinned tag and recreate api",
  );
});

/** A minimal adoption: only what the config, secret and conflict functions read. */
function adoption(repos: Record<string, string>, secrets: Partial<Record<string, ServiceFindings["secrets"]>> = {}): Adoption {
  const services = Object.fromEntries(
    Object.entries(repos).map(([s, image]) => [
      s,
      { service: s, containerId: `${s}-id`, image, spec: { containerName: `c-${s}` }, secrets: secrets[s] ?? [], volumes: [], notes: [] },
    ]),
  );
  return {
    stack: "prod",
    dockerHost: HOST,
    services: services as unknown as Adoption["services"],
    network: { Id: "n", Name: "spec1_default", Driver: "bridge", Internal: false, Attachable: false, EnableIPv6: false },
    volumes: [],
  };
}

test("the registry is what most services share; the others get an imageRepositories entry", () => {
  const a = adoption({
    web: "ghcr.io/acme/app-web:1",
    api: "ghcr.io/acme/app-api:2",
    worker: "ghcr.io/acme/app-worker:3",
    baileys: "docker.io/acme/gateway:4",
  });
  expect(adoptedConfig(a)).toMatchObject({
    registry: "ghcr.io/acme",
    imageTags: { web: "1", api: "2", worker: "3", baileys: "4" },
    imageRepositories: { baileys: "docker.io/acme/gateway" },
    adoption: { web: "ghcr.io/acme/app-web:1", baileys: "docker.io/acme/gateway:4" },
  });
});

test("secrets become pipelines from the container into pulumi config set, with no value; a shared secret that differs is reported", () => {
  const repos = { web: "r/app-web:1", api: "r/app-api:1", worker: "r/app-worker:1", baileys: "r/app-baileys:1" };
  const a = adoption(repos, {
    api: [
      { name: "DATABASE_URL", reason: "the stack's secret databaseUrl", stackKey: "databaseUrl", digest: "d1" },
      { name: "JWT_SECRET", reason: "its name says so", digest: "j" },
    ],
    worker: [{ name: "DATABASE_URL", reason: "the stack's secret databaseUrl", stackKey: "databaseUrl", digest: "d2" }],
  });
  const script = secretScript(secretCommands(a, ["databaseUrl", "gatewayToken"]));
  expect(script.split("\n")).toEqual([
    "#!/usr/bin/env bash",
    "# Each value goes from the container straight into pulumi's stdin: never shown, never stored in plain text.",
    "set -euo pipefail",
    "# databaseUrl: DATABASE_URL of api",
    "docker --host ssh://deploy@app-host container inspect --format '{{range .Config.Env}}{{println .}}{{end}}' api-id | sed -n 's/^DATABASE_URL=//p' | grep . | pulumi config set --secret databaseUrl --stack prod",
    "# gatewayToken: no container has it today; type the value at the prompt",
    "pulumi config set --secret gatewayToken --stack prod",
    "# api JWT_SECRET (its name says so)",
    "docker --host ssh://deploy@app-host container inspect --format '{{range .Config.Env}}{{println .}}{{end}}' api-id | sed -n 's/^JWT_SECRET=//p' | grep . | pulumi config set --secret --path serviceSecretEnv.api.JWT_SECRET --stack prod",
    "",
  ]);
  expect(secretConflicts(a)).toEqual(["databaseUrl: api and worker run with different values; the stack gives them one (api's)"]);
});

test("usage errors name the option and the fix", () => {
  const error = (argv: string[]) => {
    try {
      adoptArgs(argv, "/nonexistent");
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error("no error");
  };
  expect(error(["--docker-host", HOST])).toBe("--stack is required (the Pulumi stack to adopt into, e.g. prod)");
  expect(error(["--stack", "prod"])).toBe(
    "--docker-host is required (e.g. ssh://deploy@app-host), or set spec1:dockerHost in Pulumi.prod.yaml",
  );
  expect(error(["--stack", "prod", "--docker-host", HOST, "--container", "db=pg"])).toBe(
    "--container db=pg: use <service>=<container name>, service one of web, api, worker, baileys",
  );
  expect(error(["--stack", "prod", "--docker-host", HOST, "--timeout-ms", "soon"])).toBe(
    "--timeout-ms soon: not a whole number of milliseconds above 0",
  );
  expect(adoptArgs(["--stack", "prod", "--docker-host", HOST, "--container", "api=spec1-api-1"], "/srv/ops")).toMatchObject({
    containers: { api: "spec1-api-1" },
    out: "/srv/ops/adopt-prod",
    stackDir: "/srv/ops",
    timeoutMs: 30000,
  });
});
