/**
 * The four SPEC-1 services on one Docker host: each image pulled by its pinned tag, each container
 * running exactly the pulled digest with its full spec (config/containerSpec.ts), and the named volumes
 * they mount, which no destroy or replacement removes. Data services (Postgres, Redis, MinIO) are
 * deliberately not here: a rollback of app images can then never replace or delete their data (see
 * README, "Data").
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, SECRET_ENV, Service, SERVICES } from "../config/app";
import { ADOPTION_IGNORES, containerInputs, labelList } from "../config/containerInputs";
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

interface Shared {
  readonly provider: docker.Provider;
  readonly network: docker.Network;
  readonly volumes: ReadonlyMap<string, docker.Volume>;
}

export class AppServices extends pulumi.ComponentResource {
  /** Per service, the reference asked for and the digest running. */
  readonly images: pulumi.Output<Record<Service, RunningImage>>;
  readonly containers: Readonly<Record<Service, docker.Container>>;

  constructor(name: string, args: AppServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spec1:app:AppServices", name, {}, opts);
    const provider = new docker.Provider(`${name}-docker`, { host: args.config.dockerHost }, { parent: this });
    const network = new docker.Network(
      `${name}-network`,
      { name: args.config.network, labels: labelList(args.config.networkLabels) },
      { parent: this, provider },
    );
    const shared = { provider, network, volumes: this.createVolumes(name, args.config, provider) };
    const deployed = SERVICES.map((service) => this.createService(name, service, args, shared));
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

  /** The named volumes, kept by Docker when the stack lets go of them: they hold state (the gateway's sessions). */
  private createVolumes(name: string, config: AppConfig, provider: docker.Provider): Map<string, docker.Volume> {
    const volumes = new Map<string, docker.Volume>();
    for (const [volumeName, settings] of Object.entries(config.volumes)) {
      const args = {
        name: volumeName,
        driver: settings.driver,
        driverOpts: Object.keys(settings.driverOptions).length > 0 ? { ...settings.driverOptions } : undefined,
        labels: labelList(settings.labels),
      };
      volumes.set(volumeName, new docker.Volume(`${name}-volume-${volumeName}`, args, { parent: this, provider, retainOnDelete: true }));
    }
    return volumes;
  }

  private createService(name: string, service: Service, args: AppServicesArgs, shared: Shared) {
    const { config, secrets } = args;
    const reference = `${config.repositories[service]}:${config.imageTags[service]}`;
    const { provider } = shared;
    // keepLocally: the image being rolled back from stays on the host, so rolling forward again is instant.
    const image = new docker.RemoteImage(`${name}-${service}-image`, { name: reference, keepLocally: true }, { parent: this, provider });
    const spec = config.services[service];
    const plainEnv = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
    const secretEnv = SECRET_ENV[service].map(([envName, key]) => pulumi.interpolate`${envName}=${secrets[key]}`);
    const extraSecretEnv = secrets.serviceSecretEnv.apply((extra) => Object.entries(extra[service]).map(([k, v]) => `${k}=${v}`));
    const inputs = containerInputs(spec, { network: shared.network.name, volume: (v) => shared.volumes.get(v)!.name });
    // Until its image changes, an adopted container keeps what the provider cannot read back (config/containerInputs.ts).
    const adopted = config.adoption[service] === reference;
    const container = new docker.Container(
      `${name}-${service}`,
      {
        ...inputs,
        // The digest, not the tag: the container runs exactly what was pulled, and a re-pushed tag shows as a diff.
        image: image.repoDigest,
        envs: pulumi.all([pulumi.all([...plainEnv, ...secretEnv]), extraSecretEnv]).apply(([a, b]) => [...a, ...b]),
      },
      {
        parent: this,
        provider,
        additionalSecretOutputs: ["envs"],
        // Docker cannot change a running container's healthcheck, and pulumi-docker's update does not try.
        replaceOnChanges: ["healthcheck"],
        ignoreChanges: adopted ? ADOPTION_IGNORES : undefined,
      },
    );
    return { service, reference, image, container };
  }
}
