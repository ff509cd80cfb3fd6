/**
 * The app stack's config for a running deployment: image tags and registry from the containers' image
 * references, each service's spec, the shared network and the named volumes with their own settings,
 * and `adoption` (docs/app-stack.md).
 */
import { parseImageTag, Service, SERVICES } from "../config/app";
import type { NetworkInspect, VolumeInspect } from "./docker";
import type { ServiceFindings } from "./containers";

export interface Adoption {
  readonly stack: string;
  readonly dockerHost: string;
  readonly services: Readonly<Record<Service, ServiceFindings>>;
  readonly network: NetworkInspect;
  readonly volumes: readonly VolumeInspect[];
}

/** `<repository>:<tag>[@sha256:…]` split; a reference without a pinned tag cannot be adopted as it is. */
export function splitImage(service: Service, reference: string): { repository: string; tag: string } {
  const [nameAndTag, digest] = reference.split("@");
  const colon = nameAndTag.lastIndexOf(":");
  const fix =
    `tag the running image with a pinned tag and recreate ${service} with compose first ` +
    `(docker tag ${reference} <repository>:<tag>, then set that image in the compose file and docker compose up -d ${service}), then adopt again`;
  if (colon <= nameAndTag.lastIndexOf("/")) throw new Error(`${service}: runs ${reference}, which names no tag; ${fix}`);
  const tag = nameAndTag.slice(colon + 1) + (digest ? `@${digest}` : "");
  try {
    return { repository: nameAndTag.slice(0, colon), tag: parseImageTag(service, tag) };
  } catch (err) {
    throw new Error(`${service}: runs ${reference}: ${(err as Error).message.replace(/;.*$/, "")}; ${fix}`);
  }
}

/** `registry` is what most services share as `<registry>/app-<service>`; the others get an `imageRepositories` entry. */
function registryOf(repositories: Record<Service, string>): { registry: string; overrides: Partial<Record<Service, string>> } {
  const counts = new Map<string, number>();
  for (const s of SERVICES) {
    const m = new RegExp(`^(.+)/app-${s}$`).exec(repositories[s]);
    if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const fallback = repositories.web.includes("/") ? repositories.web.slice(0, repositories.web.lastIndexOf("/")) : "docker.io/library";
  const registry = best ?? fallback;
  const overrides = Object.fromEntries(SERVICES.filter((s) => repositories[s] !== `${registry}/app-${s}`).map((s) => [s, repositories[s]]));
  return { registry, overrides };
}

/** The `spec1:` keys (without namespace) that describe the running deployment. */
export function adoptedConfig(a: Adoption): Record<string, unknown> {
  const images = Object.fromEntries(SERVICES.map((s) => [s, splitImage(s, a.services[s].image)])) as Record<
    Service,
    { repository: string; tag: string }
  >;
  const { registry, overrides } = registryOf(Object.fromEntries(SERVICES.map((s) => [s, images[s].repository])) as Record<Service, string>);
  const volumes = Object.fromEntries(
    [...a.volumes]
      .sort((x, y) => x.Name.localeCompare(y.Name))
      .map((v) => [
        v.Name,
        {
          ...(v.Driver !== "local" ? { driver: v.Driver } : {}),
          ...(Object.keys(v.Options ?? {}).length > 0 ? { driverOptions: v.Options } : {}),
          ...(Object.keys(v.Labels ?? {}).length > 0 ? { labels: v.Labels } : {}),
        },
      ]),
  );
  return {
    registry,
    imageTags: Object.fromEntries(SERVICES.map((s) => [s, images[s].tag])),
    ...(Object.keys(overrides).length > 0 ? { imageRepositories: overrides } : {}),
    dockerHost: a.dockerHost,
    network: a.network.Name,
    ...(Object.keys(a.network.Labels ?? {}).length > 0 ? { networkLabels: a.network.Labels } : {}),
    services: Object.fromEntries(SERVICES.map((s) => [s, a.services[s].spec])),
    volumes,
    adoption: Object.fromEntries(SERVICES.map((s) => [s, a.services[s].image])),
  };
}

/** Network settings the stack's network resource has no input for: a difference would replace the network. */
export function networkNotes(n: NetworkInspect): string[] {
  const notes: string[] = [];
  if (n.Driver !== "bridge") notes.push(`network ${n.Name}: driver ${n.Driver}; the stack's network is a bridge`);
  if (n.Internal) notes.push(`network ${n.Name}: internal, which the stack's network is not`);
  if (n.Attachable) notes.push(`network ${n.Name}: attachable, which the stack's network is not`);
  if (n.EnableIPv6) notes.push(`network ${n.Name}: IPv6 enabled, which the stack's network is not`);
  return notes;
}
