/**
 * The rehearsal's stack files, `Pulumi.rehearsal-<role>.yaml`: ordinary `spec1:` config for the
 * program, plus `rehearsal:` keys for the rehearsal itself (secrets to set, the rollback to play).
 * Values may hold `{{name}}` placeholders for what is only known once the local SPEC-1 runs (ports,
 * generated passwords); an unknown placeholder is an error naming it.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { Props, readStackConfig } from "../local/program";

const ROOT = path.resolve(__dirname, "..");

export interface RehearsalStack {
  readonly stack: string;
  /** `spec1:` keys without their namespace, placeholders filled. */
  readonly config: Props;
  /** Set as `pulumi config set --secret` would, placeholders filled. */
  readonly secrets: Record<string, string>;
  /** Other `rehearsal:` keys, placeholders filled. */
  readonly rehearsal: Props;
}

function fillPlaceholders<T>(value: T, values: Readonly<Record<string, string | number>>, where: string): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v) =>
      typeof v === "string"
        ? v.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, name: string) => {
            if (!(name in values)) throw new Error(`${where}: unknown placeholder {{${name}}}; known: ${Object.keys(values).join(", ")}`);
            return String(values[name]);
          })
        : v,
    ),
  );
}

/** A stack file as written, placeholders not yet filled: enough to see which queues and sessions it names. */
export function readRehearsalStack(stack: string): RehearsalStack {
  const doc = parseYaml(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
  const rehearsal: Props = {};
  for (const [key, value] of Object.entries<unknown>(doc.config ?? {})) {
    if (key.startsWith("rehearsal:")) rehearsal[key.slice("rehearsal:".length)] = value;
  }
  const { secrets = {}, ...rest } = rehearsal;
  return { stack, config: readStackConfig(stack, ROOT), secrets: secrets as Record<string, string>, rehearsal: rest };
}

/** The stack with every `{{name}}` replaced by the value the local SPEC-1 gave it. */
export function fillStack(raw: RehearsalStack, values: Readonly<Record<string, string | number>>): RehearsalStack {
  return { ...fillPlaceholders(raw, values, `Pulumi.${raw.stack}.yaml`), stack: raw.stack };
}
