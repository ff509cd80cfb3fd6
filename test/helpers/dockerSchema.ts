/**
 * What pulumi-docker 5.2.0 does when an input of a container, volume or network changes. Its npm package
 * is JavaScript and types only (no schema, no provider binary here), so the rules are transcribed from
 * the Terraform provider it bridges, kreuzwerker/terraform-provider-docker v4.5.0 (5074970c71ce):
 * `ForceNew: true` in internal/provider/resource_docker_container.go, resource_docker_volume.go,
 * resource_docker_network.go and resource_docker_image.go; the in-place list of `resourceDockerContainerUpdate`; and pulumi-docker's
 * `DeleteBeforeReplace: true` for containers (provider/resources.go). /work/notes/research.md §4.
 * Names are the Pulumi ones; `declaredInputs` checks them against the installed package's declarations.
 */
import * as fs from "fs";
import * as path from "path";
import type { Registration } from "../../harness/program";

export const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  "docker:index/container:Container": [
    "name",
    "image",
    "envs",
    "ports",
    "networksAdvanced",
    "mounts",
    "volumes",
    "labels",
    "command",
    "entrypoints",
    "logDriver",
    "logOpts",
    "stopSignal",
    "stopTimeout",
    "cpus",
    "user",
    "hostname",
    "workingDir",
    "readOnly",
    "privileged",
  ],
  "docker:index/volume:Volume": ["name", "labels", "driver", "driverOpts"],
  "docker:index/remoteImage:RemoteImage": ["name", "pullTriggers", "triggers", "platform"],
  "docker:index/network:Network": [
    "name",
    "labels",
    "driver",
    "options",
    "internal",
    "attachable",
    "ipv6",
    "ipamConfigs",
    "ipamDriver",
    "ipamOptions",
    "ingress",
  ],
};

/** Container inputs `resourceDockerContainerUpdate` changes on the running container. */
export const UPDATED_IN_PLACE = ["restart", "memory", "memorySwap", "cpuShares", "maxRetryCount", "memoryReservation", "cpuSet"];

/** Neither replaced nor updated by the provider: a change is recorded in the state and does nothing on the host. */
export const NOT_APPLIED = ["healthcheck"];

/** The input names of `<Type>Args` in the installed @pulumi/docker declarations. */
export function declaredInputs(file: "container" | "volume" | "network", typeName: string): string[] {
  const text = fs.readFileSync(path.join(path.dirname(require.resolve("@pulumi/docker/package.json")), `${file}.d.ts`), "utf8");
  const body = text.slice(text.indexOf(`export interface ${typeName} {`));
  const block = body.slice(0, body.indexOf("\n}"));
  return [...block.matchAll(/^ {4}(\w+)\??: /gm)].map((m) => m[1]);
}

export type Verdict = "same" | "update" | "replace";

/** Input keys whose values differ between two registrations of the same resource. */
export function changedInputs(before: Registration, after: Registration): string[] {
  const keys = [...new Set([...Object.keys(before.inputs), ...Object.keys(after.inputs)])].sort();
  return keys.filter((k) => JSON.stringify(before.inputs[k]) !== JSON.stringify(after.inputs[k]));
}

/** What the engine would do, per the rules above and the resource's own options (ignoreChanges, replaceOnChanges). */
export function verdict(before: Registration, after: Registration): { verdict: Verdict; changed: string[] } {
  const ignored: string[] = after.options.ignoreChanges ?? [];
  const changed = changedInputs(before, after).filter((k) => !ignored.includes(k));
  const replacing = [...(FORCE_NEW[after.type] ?? []), ...(after.options.replaceOnChanges ?? [])];
  if (changed.some((k) => replacing.includes(k))) return { verdict: "replace", changed };
  return { verdict: changed.length > 0 ? "update" : "same", changed };
}
