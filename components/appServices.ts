/**
 * The four SPEC-1 services on one Docker host: each image pulled by its pinned tag, each container
 * running exactly the pulled digest. Data services (Postgres, Redis, MinIO) are deliberately not here:
 * a rollback of app images can then never replace or delete a data volume (see README, "Data").
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, Service, SERVICES } from "../config/app";
import { AppSecrets } from "../config";

export interface RunningImage {
  /** What was asked for: `<repository>:<tag>`. */
  readonly reference: string;
  /** What runs: `<repository>@sha256:…`, resolved by the pull. */
  readonly digest: string;
}

export interface AppServicesArgs {
  readonly config: AppConfig;
  readonly secrets: AppSecrets;
}

/** Which secrets each service receives, as environment variables. */
export const SECRET_ENV: Readonly<Record<Service, ReadonlyArray<[string, keyof AppSecrets]>>> = {
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

export class AppServices extends pulumi.ComponentResource {
  /** Per service, the reference asked for and the digest running. */
  readonly images: pulumi.Output<Record<Service, RunningImage>>;
  readonly containers: Readonly<Record<Service, docker.Container>>;

  constructor(name: string, args: AppServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spec1:app:AppServices", name, {}, opts);
    const provider = new docker.Provider(`${name}-docker`, { host: args.config.dockerHost }, { parent: this });
    const network = new docker.Network(`${name}-network`, { name: args.config.network }, { parent: this, provider });
    const deployed = SERVICES.map((service) => this.createService(name, service, args, network, provider));
    this.containers = Object.fromEntries(deployed.map((d) => [d.service, d.container])) as Record<Service, docker.Container>;
    this.images = pulumi
      .all(deployed.map((d) => d.image.repoDigest))
      .apply(
        (digests) =>
          Object.fromEntries(deployed.map((d, i) => [d.service, { reference: d.reference, digest: digests[i] }])) as Record<
            Service,
            RunningImage
          >,
      );
    this.registerOutputs({ images: this.images });
  }

  private createService(name: string, service: Service, args: AppServicesArgs, network: docker.Network, provider: docker.Provider) {
    const { config, secrets } = args;
    const reference = `${config.repositories[service]}:${config.imageTags[service]}`;
    // keepLocally: the image being rolled back from stays on the host, so rolling forward again is instant.
    const image = new docker.RemoteImage(`${name}-${service}-image`, { name: reference, keepLocally: true }, { parent: this, provider });
    const settings = config.services[service];
    const plainEnv = Object.entries(settings.env).map(([k, v]) => `${k}=${v}`);
    const secretEnv = SECRET_ENV[service].map(([envName, key]) => pulumi.interpolate`${envName}=${secrets[key]}`);
    const container = new docker.Container(
      `${name}-${service}`,
      {
        name: `spec1-${service}`,
        // The digest, not the tag: the container runs exactly what was pulled, and a re-pushed tag shows as a diff.
        image: image.repoDigest,
        restart: "unless-stopped",
        envs: pulumi.all([...plainEnv, ...secretEnv]),
        ports: settings.ports.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip })),
        networksAdvanced: [{ name: network.name, aliases: [service] }],
      },
      { parent: this, provider, additionalSecretOutputs: ["envs"] },
    );
    return { service, reference, image, container };
  }
}
