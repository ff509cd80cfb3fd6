/**
 * Finds the four services' containers on the Docker host (compose's service label, or names given) and
 * reads them, their images, the network they share and the named volumes they mount: everything the
 * stack config, the import file and the secret commands are made from.
 */
import { Service, SERVICES } from "../config/app";
import type { Log } from "../lib/log";
import { describeContainer, sharedNetworks } from "./containers";
import { composeContainersCommand, ContainerInspect, DockerRunner, ImageInspect, inspect, NetworkInspect, VolumeInspect } from "./docker";
import type { Adoption } from "./stackConfig";

export interface DiscoverOptions {
  readonly stack: string;
  readonly dockerHost: string;
  /** Only containers of this compose project. */
  readonly composeProject?: string;
  /** Container names (or IDs) given per service, instead of compose's labels. */
  readonly containers: Partial<Record<Service, string>>;
  /** The stack's network, when the containers share more than one. */
  readonly network?: string;
}

/** Each service's container: named by the caller, or the one compose labelled with that service. */
async function findContainers(docker: DockerRunner, o: DiscoverOptions): Promise<Record<Service, string>> {
  const missing = SERVICES.filter((s) => !o.containers[s]);
  if (missing.length === 0) return o.containers as Record<Service, string>;
  const listed = (await docker.run(composeContainersCommand(o.dockerHost), "docker ps"))
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"))
    .filter(([, , project]) => o.composeProject === undefined || project === o.composeProject);
  const found: Partial<Record<Service, string>> = { ...o.containers };
  for (const s of missing) {
    const matches = listed.filter(([, service]) => service === s);
    if (matches.length !== 1) {
      const seen = matches.length === 0 ? "none" : matches.map(([, , project, name]) => `${name} (project ${project})`).join(", ");
      throw new Error(
        `${s}: ${matches.length === 0 ? "no" : matches.length} container${matches.length === 1 ? "" : "s"} labelled com.docker.compose.service=${s} on ${o.dockerHost} (found: ${seen}); ` +
          `name it with --container ${s}=<name>${matches.length > 1 ? " or pick the project with --compose-project <name>" : ""}`,
      );
    }
    found[s] = matches[0][0];
  }
  return found as Record<Service, string>;
}

function chooseNetwork(containers: readonly ContainerInspect[], asked: string | undefined): string {
  const shared = sharedNetworks(containers);
  if (asked !== undefined) {
    if (!shared.includes(asked))
      throw new Error(`--network ${asked}: not every container is on it (shared: ${shared.join(", ") || "none"})`);
    return asked;
  }
  const defaults = shared.filter((n) => n.endsWith("_default"));
  if (shared.length === 1) return shared[0];
  if (defaults.length === 1) return defaults[0];
  throw new Error(
    shared.length === 0
      ? "the four containers share no user-defined network; the stack puts them on one (each reachable by its service name): connect them to one first"
      : `the containers share ${shared.join(", ")}; name the stack's with --network <name>`,
  );
}

export async function discover(docker: DockerRunner, o: DiscoverOptions, log: Log): Promise<Adoption> {
  const names = await findContainers(docker, o);
  const containers = await Promise.all(SERVICES.map((s) => inspect<ContainerInspect>(docker, o.dockerHost, "container", names[s])));
  const images = await Promise.all(containers.map((c) => inspect<ImageInspect>(docker, o.dockerHost, "image", c.Image)));
  const network = chooseNetwork(containers, o.network);
  const services = Object.fromEntries(
    SERVICES.map((s, i) => [s, describeContainer(s, containers[i], images[i], network)]),
  ) as Adoption["services"];
  for (const s of SERVICES)
    log.info(
      `${s}: ${containers[SERVICES.indexOf(s)].Name.replace(/^\//, "")} (${services[s].containerId.slice(0, 12)}) runs ${services[s].image}`,
    );
  const volumeNames = [...new Set(SERVICES.flatMap((s) => services[s].volumes))].sort();
  const volumes = await Promise.all(volumeNames.map((v) => inspect<VolumeInspect>(docker, o.dockerHost, "volume", v)));
  const networkInfo = await inspect<NetworkInspect>(docker, o.dockerHost, "network", network);
  return { stack: o.stack, dockerHost: o.dockerHost, services, network: networkInfo, volumes };
}
