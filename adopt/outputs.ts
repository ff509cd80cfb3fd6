/**
 * What adoption hands the team besides the stack config: the `pulumi import` file (containers, network,
 * volumes, under the program's own names), the commands that move each secret from the running
 * containers into `pulumi config set --secret` through a pipe (no value on a screen or in a plain file),
 * and the `pulumi` command lines of the procedure, all as data.
 */
import { AppSecretKey, Service, SERVICES } from "../config/app";
import type { CommandLine } from "../lib/exec";
import { dockerCommand } from "./docker";
import type { Adoption } from "./stackConfig";

const PROJECT = "spec1";
/** The program's names (index.ts `new AppServices("spec1", …)`, components/appServices.ts children). */
export const RESOURCE_NAMES = {
  component: "spec1",
  provider: "spec1-docker",
  network: "spec1-network",
  volume: (name: string) => `spec1-volume-${name}`,
  container: (service: Service) => `spec1-${service}`,
} as const;
const COMPONENT_TYPE = "spec1:app:AppServices";

export function componentUrn(stack: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${COMPONENT_TYPE}::${RESOURCE_NAMES.component}`;
}

export function providerUrn(stack: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${COMPONENT_TYPE}$pulumi:providers:docker::${RESOURCE_NAMES.provider}`;
}

export interface ImportFile {
  readonly nameTable: Record<string, string>;
  readonly resources: { type: string; name: string; id: string; parent: string; provider: string }[];
}

/** `pulumi import --file`: IDs as pulumi-docker imports them (full container ID, network ID, volume name). */
export function importFile(a: Adoption): ImportFile {
  const under = { parent: RESOURCE_NAMES.component, provider: RESOURCE_NAMES.provider };
  return {
    nameTable: { [RESOURCE_NAMES.component]: componentUrn(a.stack), [RESOURCE_NAMES.provider]: providerUrn(a.stack) },
    resources: [
      { type: "docker:index/network:Network", name: RESOURCE_NAMES.network, id: a.network.Id, ...under },
      ...[...a.volumes]
        .sort((x, y) => x.Name.localeCompare(y.Name))
        .map((v) => ({ type: "docker:index/volume:Volume", name: RESOURCE_NAMES.volume(v.Name), id: v.Name, ...under })),
      ...SERVICES.map((s) => ({
        type: "docker:index/container:Container",
        name: RESOURCE_NAMES.container(s),
        id: a.services[s].containerId,
        ...under,
      })),
    ],
  };
}

export interface SecretCommand {
  /** What it sets and why it is secret (no value). */
  readonly comment: string;
  /** Stages of one shell pipeline; the last is `pulumi config set --secret`. */
  readonly pipeline: readonly CommandLine[];
}

/** `pulumi config set --secret` of a stack secret or a service's extra secret env variable, reading the value from stdin. */
function pulumiSecretSet(stack: string, target: { key: AppSecretKey } | { service: Service; name: string }): CommandLine {
  if ("key" in target) return { command: "pulumi", args: ["config", "set", "--secret", target.key, "--stack", stack] };
  const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(target.name) ? `.${target.name}` : `[${JSON.stringify(target.name)}]`;
  return {
    command: "pulumi",
    args: ["config", "set", "--secret", "--path", `serviceSecretEnv.${target.service}${name}`, "--stack", stack],
  };
}

/**
 * docker inspect of one container's env → the one variable's value → stdin of the next stage. `grep .`
 * passes the value on and fails the pipeline (with pipefail) when it is missing, so an empty secret is
 * never set.
 */
function envValue(host: string, containerId: string, name: string): CommandLine[] {
  const escaped = name.replace(/[.[\]*^$\\/]/g, "\\$&");
  return [
    dockerCommand(host, "container", "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", containerId),
    { command: "sed", args: ["-n", `s/^${escaped}=//p`] },
    { command: "grep", args: ["."] },
  ];
}

/**
 * One pipeline per secret: each stack secret from the first service that has it (those found nowhere
 * are typed in at the prompt), each other secret env variable into `serviceSecretEnv`.
 */
export function secretCommands(a: Adoption, stackKeys: readonly AppSecretKey[]): SecretCommand[] {
  const commands: SecretCommand[] = [];
  for (const key of stackKeys) {
    const holder = SERVICES.map((s) => ({ s, secret: a.services[s].secrets.find((x) => x.stackKey === key) })).find((h) => h.secret);
    const set = pulumiSecretSet(a.stack, { key });
    commands.push(
      holder
        ? {
            comment: `${key}: ${holder.secret!.name} of ${holder.s}`,
            pipeline: [...envValue(a.dockerHost, a.services[holder.s].containerId, holder.secret!.name), set],
          }
        : { comment: `${key}: no container has it today; type the value at the prompt`, pipeline: [set] },
    );
  }
  for (const s of SERVICES) {
    for (const secret of a.services[s].secrets.filter((x) => !x.stackKey)) {
      commands.push({
        comment: `${s} ${secret.name} (${secret.reason})`,
        pipeline: [
          ...envValue(a.dockerHost, a.services[s].containerId, secret.name),
          pulumiSecretSet(a.stack, { service: s, name: secret.name }),
        ],
      });
    }
  }
  return commands;
}

/** Stack secrets that differ between the services sharing them: one secret cannot carry both (values never shown). */
export function secretConflicts(a: Adoption): string[] {
  const byKey = new Map<string, { service: Service; digest: string }[]>();
  for (const s of SERVICES) {
    for (const x of a.services[s].secrets.filter((x) => x.stackKey))
      byKey.set(x.stackKey!, [...(byKey.get(x.stackKey!) ?? []), { service: s, digest: x.digest }]);
  }
  return [...byKey]
    .filter(([, holders]) => new Set(holders.map((h) => h.digest)).size > 1)
    .map(
      ([key, holders]) =>
        `${key}: ${holders.map((h) => h.service).join(" and ")} run with different values; the stack gives them one (${holders[0].service}'s)`,
    );
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** A pipeline as one shell line. */
export function shellLine(pipeline: readonly CommandLine[]): string {
  return pipeline.map((c) => [c.command, ...c.args].map(shellWord).join(" ")).join(" | ");
}

/** `set-secrets.sh`: one commented pipeline per secret; the first failing one stops the script. */
export function secretScript(commands: readonly SecretCommand[]): string {
  return [
    "#!/usr/bin/env bash",
    "# Each value goes from the container straight into pulumi's stdin: never shown, never stored in plain text.",
    "set -euo pipefail",
    ...commands.flatMap((c) => [`# ${c.comment}`, shellLine(c.pipeline)]),
    "",
  ].join("\n");
}

/** The procedure's pulumi commands for `stack`, with the import file at `importPath`. */
export function pulumiSteps(
  stack: string,
  importPath: string,
): { createParents: CommandLine; importAll: CommandLine; preview: CommandLine } {
  return {
    // The import file's resources hang under the component and use the stack's docker provider: both must exist first.
    createParents: { command: "pulumi", args: ["up", "--target", componentUrn(stack), "--target", providerUrn(stack), "--stack", stack] },
    importAll: { command: "pulumi", args: ["import", "--file", importPath, "--protect=false", "--generate-code=false", "--stack", stack] },
    preview: { command: "pulumi", args: ["preview", "--diff", "--stack", stack] },
  };
}
