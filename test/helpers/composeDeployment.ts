/**
 * SPEC-1 as `docker compose up` leaves it, made with the docker CLI on the local engine: a project
 * network, a named volume for the gateway's auth state, four containers labelled by compose's service
 * labels, with published ports, env (secrets among it), healthchecks, labels, log options, limits, a
 * stop signal and grace period, a bind mount, an entrypoint override, a user and an extra network. The
 * image is built from the test Postgres image (no registry is reachable) with its own env and labels,
 * so adoption has something inherited to leave out. `remove()` deletes all of it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { randomBytes } from "crypto";
import { CommandLine, runCommand } from "../../lib/exec";
import { freePort } from "../../lib/net";
import { postgresImage } from "../../sim/images/postgres/image";

export const SERVICES = ["web", "api", "worker", "baileys"] as const;
type Service = (typeof SERVICES)[number];

export interface ComposeDeployment {
  readonly project: string;
  /** Images are `<registry>/app-<service>:<tag>`. */
  readonly registry: string;
  readonly tag: string;
  readonly network: string;
  readonly extraNetwork: string;
  readonly volume: string;
  readonly bindDir: string;
  /** Every secret value the containers hold, by a label for messages. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly containerNames: Readonly<Record<Service, string>>;
  remove(): Promise<void>;
}

const docker = (...args: string[]): CommandLine => ({ command: "docker", args, env: { DOCKER_BUILDKIT: "0" } });
const run = (cmd: CommandLine, stdin?: string) =>
  runCommand(cmd, {
    what: `docker ${cmd.args.slice(0, 2).join(" ")}`,
    timeoutMs: 120_000,
    stdin: stdin === undefined ? undefined : Readable.from([stdin]),
  });

export async function startComposeDeployment(): Promise<ComposeDeployment> {
  const id = randomBytes(4).toString("hex");
  const project = `spec1adopt${id}`;
  const registry = `spec1-adopt-${id}`;
  const tag = "20240418";
  const network = `${project}_default`;
  const extraNetwork = `${project}_monitoring`;
  const volume = `${project}_baileys-auth`;
  const bindDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-adopt-bind-"));
  const secrets = {
    databaseUrl: `postgres://spec1:SECRET-adopt-db-${id}@db:5432/spec1`,
    redisUrl: `redis://:SECRET-adopt-redis-${id}@redis:6379/0`,
    gatewayToken: `SECRET-adopt-gateway-${id}`,
    s3AccessKeyId: `SECRET-adopt-s3-id-${id}`,
    s3SecretAccessKey: `SECRET-adopt-s3-secret-${id}`,
    jwtSecret: `SECRET-adopt-jwt-${id}`,
    sessionSecret: `SECRET-adopt-session-${id}`,
  };
  const containerNames = Object.fromEntries(SERVICES.map((s) => [s, `${project}-${s}-1`])) as Record<Service, string>;
  const images = SERVICES.map((s) => `${registry}/app-${s}:${tag}`);
  const remove = async () => {
    const quiet = (cmd: CommandLine) => run(cmd).catch(() => undefined);
    await quiet(docker("rm", "--force", "--volumes", ...Object.values(containerNames)));
    await quiet(docker("network", "rm", network, extraNetwork));
    await quiet(docker("volume", "rm", volume));
    await quiet(docker("image", "rm", ...images));
    fs.rmSync(bindDir, { recursive: true, force: true });
  };
  try {
    const dockerfile = [
      `FROM ${postgresImage(15)}`,
      "ENV APP_IMAGE_ENV=from-image",
      "LABEL org.opencontainers.image.title=spec1-adopt-test",
      "STOPSIGNAL SIGTERM",
      'ENTRYPOINT ["sleep"]',
      'CMD ["infinity"]',
    ].join("\n");
    await run(docker("build", "--quiet", "--tag", images[0], "-"), dockerfile);
    for (const image of images.slice(1)) await run(docker("tag", images[0], image));
    const composeLabels = (s: string) => [
      "--label",
      `com.docker.compose.project=${project}`,
      "--label",
      `com.docker.compose.service=${s}`,
      "--label",
      "com.docker.compose.container-number=1",
    ];
    await run(
      docker(
        "network",
        "create",
        "--label",
        `com.docker.compose.project=${project}`,
        "--label",
        "com.docker.compose.network=default",
        network,
      ),
    );
    await run(docker("network", "create", extraNetwork));
    await run(
      docker(
        "volume",
        "create",
        "--label",
        `com.docker.compose.project=${project}`,
        "--label",
        "com.docker.compose.volume=baileys-auth",
        volume,
      ),
    );
    const common = (s: Service) => [
      "run",
      "--detach",
      "--name",
      containerNames[s],
      "--network",
      network,
      "--network-alias",
      s,
      ...composeLabels(s),
    ];
    const [webPort, apiPort, qrHttp, qrWs] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    await run(
      docker(
        ...common("web"),
        ...["--publish", `127.0.0.1:${webPort}:3000`, "--restart", "unless-stopped", "--env", "NODE_ENV=production"],
        ...["--env", `SESSION_SECRET=${secrets.sessionSecret}`, "--label", "traefik.enable=true"],
        ...[
          "--health-cmd",
          "true",
          "--health-interval",
          "30s",
          "--health-timeout",
          "5s",
          "--health-retries",
          "3",
          "--health-start-period",
          "10s",
        ],
        images[0],
      ),
    );
    await run(
      docker(
        ...common("api"),
        ...["--publish", `127.0.0.1:${apiPort}:4000`, "--restart", "always", "--env", "LOG_LEVEL=info"],
        ...[
          "--env",
          `DATABASE_URL=${secrets.databaseUrl}`,
          "--env",
          `REDIS_URL=${secrets.redisUrl}`,
          "--env",
          `BAILEYS_API_TOKEN=${secrets.gatewayToken}`,
        ],
        ...[
          "--env",
          `JWT_SECRET=${secrets.jwtSecret}`,
          "--memory",
          "256m",
          "--memory-swap",
          "512m",
          "--cpus",
          "0.5",
          "--stop-timeout",
          "20",
        ],
        ...["--log-driver", "json-file", "--log-opt", "max-size=10m", "--log-opt", "max-file=3", "--user", "1000:1000"],
        ...["--mount", `type=bind,source=${bindDir},target=/etc/spec1,readonly`],
        images[1],
      ),
    );
    await run(docker("network", "connect", "--alias", "api-metrics", extraNetwork, containerNames.api));
    await run(
      docker(
        ...common("worker"),
        ...["--restart", "unless-stopped", "--env", `DATABASE_URL=${secrets.databaseUrl}`, "--env", `REDIS_URL=${secrets.redisUrl}`],
        ...["--env", `S3_ACCESS_KEY_ID=${secrets.s3AccessKeyId}`, "--env", `S3_SECRET_ACCESS_KEY=${secrets.s3SecretAccessKey}`],
        ...["--env", `BAILEYS_API_TOKEN=${secrets.gatewayToken}`, "--env", "QUEUE_CONCURRENCY=4", "--stop-signal", "SIGINT"],
        ...["--entrypoint", "/bin/sleep", images[2], "1000000"],
      ),
    );
    await run(
      docker(
        ...common("baileys"),
        ...["--publish", `127.0.0.1:${qrHttp}:4001`, "--publish", `127.0.0.1:${qrWs}:4002`, "--restart", "unless-stopped"],
        ...["--env", `REDIS_URL=${secrets.redisUrl}`, "--env", `BAILEYS_API_TOKEN=${secrets.gatewayToken}`],
        ...["--mount", `type=volume,source=${volume},target=/app/auth_info_baileys`],
        ...["--health-cmd", "test -d /app/auth_info_baileys", "--health-interval", "1m30s", "--health-retries", "5"],
        images[3],
      ),
    );
  } catch (err) {
    await remove();
    throw err;
  }
  return { project, registry, tag, network, extraNetwork, volume, bindDir, secrets, containerNames, remove };
}
