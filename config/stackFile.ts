/**
 * A committed stack file (`Pulumi.<stack>.yaml`) read (and, by adoption, written) without Pulumi, for scripts that run beside a
 * `pulumi` command (the pipeline's notifier) and for tests: its config keys by namespace.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml, parseDocument } from "yaml";

export type StackValues = Record<string, any>;

const PROJECT_ROOT = path.resolve(__dirname, "..");

/** `{spec1: {role: …}, rehearsal: {…}}` from `Pulumi.<stack>.yaml` under `root`. */
export function readStackNamespaces(stack: string, root = PROJECT_ROOT): Record<string, StackValues> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const doc = parseYaml(fs.readFileSync(file, "utf8")) ?? {};
  const namespaces: Record<string, StackValues> = {};
  for (const [key, value] of Object.entries<unknown>(doc.config ?? {})) {
    const colon = key.indexOf(":");
    if (colon > 0) (namespaces[key.slice(0, colon)] ??= {})[key.slice(colon + 1)] = value;
  }
  return namespaces;
}

/** The `spec1:` keys of a stack file, without their namespace. */
export function readStackConfig(stack: string, root?: string): StackValues {
  return readStackNamespaces(stack, root).spec1 ?? {};
}

/**
 * Writes `spec1:` keys into `Pulumi.<stack>.yaml` under `root` (created when missing, with role `app`):
 * the `replace` keys are removed first, then `values` set; every other key and comment is kept.
 */
export function writeStackConfig(stack: string, root: string, values: StackValues, replace: readonly string[]): string {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const doc = fs.existsSync(file) ? parseDocument(fs.readFileSync(file, "utf8")) : parseDocument("config:\n  spec1:role: app\n");
  for (const key of replace) doc.deleteIn(["config", `spec1:${key}`]);
  for (const [key, value] of Object.entries(values)) doc.setIn(["config", `spec1:${key}`], value);
  fs.writeFileSync(file, doc.toString());
  return file;
}
