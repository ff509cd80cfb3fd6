/**
 * A stack file's config checked by the program's own parsers, with no backend, no secret and no
 * Pulumi: what a pull request from outside gets instead of a `pulumi preview` (which would run its code
 * with production secrets on the self-hosted runner).
 *   npx tsx scripts/validateStack.ts <stack>...    exit 1 naming the key and the fix of the first bad value
 */
import { parseAppConfig } from "../config/app";
import { parseChecksConfig } from "../config/checks";
import { parseDrillConfig } from "../config/drill";
import { parseNotifyConfig, parseRollbackConfig } from "../config/notify";
import { parseRestoreConfig } from "../config/restore";
import { readStackConfig } from "../config/stackFile";

/** Parses every section the stack's role reads; returns the role, or throws the parser's message. */
export function validateStack(stack: string, root?: string): string {
  const raw = readStackConfig(stack, root);
  const role = raw.role ?? "app";
  parseNotifyConfig(raw.notify);
  if (role === "app") {
    parseAppConfig(raw);
    parseChecksConfig(raw.checks);
    parseRollbackConfig(raw.rollback);
  } else if (role === "restore") parseRestoreConfig(raw);
  else if (role === "drill") parseDrillConfig(raw.drill, new Date());
  else throw new Error(`role: ${JSON.stringify(role)} is not one of app, restore, drill`);
  return role;
}

if (require.main === module) {
  let failed = false;
  for (const stack of process.argv.slice(2)) {
    try {
      process.stdout.write(`Pulumi.${stack}.yaml: role ${validateStack(stack)}, config valid (secrets are not read)\n`);
    } catch (err) {
      failed = true;
      process.stdout.write(`Pulumi.${stack}.yaml: ${(err as Error).message}\n`);
    }
  }
  process.exit(failed ? 1 : 0);
}
