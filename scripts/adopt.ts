/**
 * Brings a running deployment (compose today) under the app stack without replacing anything:
 *   npm run adopt -- --docker-host ssh://deploy@app-host --stack prod
 * reads the web/api/worker/baileys containers through the Docker host, writes their settings into
 * Pulumi.<stack>.yaml, `<out>/import.json` for `pulumi import`, and `<out>/set-secrets.sh`, which pipes
 * each secret from the containers into `pulumi config set --secret`. No secret value is written to a
 * file or printed. Options: --compose-project <name>, --container <service>=<name> (repeatable),
 * --network <name>, --out <dir> (default adopt-<stack>), --stack-dir <dir>, --timeout-ms <ms> per docker call.
 * The procedure: README, "Production".
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { APP_SECRET_KEYS, parseAppConfig, Service, SERVICES } from "../config/app";
import { readStackConfig, writeStackConfig } from "../config/stackFile";
import { discover, DiscoverOptions } from "../adopt/discover";
import { dockerRunner } from "../adopt/docker";
import { importFile, pulumiSteps, secretCommands, secretConflicts, secretScript, shellLine } from "../adopt/outputs";
import { adoptedConfig, networkNotes } from "../adopt/stackConfig";

/** The keys adoption owns in the stack file: replaced as a whole, so nothing stale survives. */
const APP_KEYS = [
  "registry",
  "imageTags",
  "imageRepositories",
  "dockerHost",
  "network",
  "networkLabels",
  "services",
  "volumes",
  "adoption",
];

export interface AdoptArgs extends DiscoverOptions {
  readonly out: string;
  readonly stackDir: string;
  readonly timeoutMs: number;
}

export function adoptArgs(argv: string[], cwd: string): AdoptArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      "docker-host": { type: "string" },
      stack: { type: "string" },
      "compose-project": { type: "string" },
      container: { type: "string", multiple: true },
      network: { type: "string" },
      out: { type: "string" },
      "stack-dir": { type: "string" },
      "timeout-ms": { type: "string" },
    },
  });
  if (!values.stack) throw new Error("--stack is required (the Pulumi stack to adopt into, e.g. prod)");
  const stackDir = path.resolve(cwd, values["stack-dir"] ?? ".");
  const fromStack = fs.existsSync(path.join(stackDir, `Pulumi.${values.stack}.yaml`))
    ? readStackConfig(values.stack, stackDir).dockerHost
    : undefined;
  const dockerHost = values["docker-host"] ?? fromStack;
  if (!dockerHost)
    throw new Error(`--docker-host is required (e.g. ssh://deploy@app-host), or set spec1:dockerHost in Pulumi.${values.stack}.yaml`);
  const containers: Partial<Record<Service, string>> = {};
  for (const pair of values.container ?? []) {
    const [service, name] = pair.split("=");
    if (!(SERVICES as readonly string[]).includes(service) || !name)
      throw new Error(`--container ${pair}: use <service>=<container name>, service one of ${SERVICES.join(", ")}`);
    containers[service as Service] = name;
  }
  const timeoutMs = Number(values["timeout-ms"] ?? 30000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
    throw new Error(`--timeout-ms ${values["timeout-ms"]}: not a whole number of milliseconds above 0`);
  return {
    stack: values.stack,
    dockerHost,
    composeProject: values["compose-project"],
    containers,
    network: values.network,
    out: path.resolve(cwd, values.out ?? `adopt-${values.stack}`),
    stackDir,
    timeoutMs,
  };
}

export async function main(argv: string[], cwd: string, print: (line: string) => void): Promise<number> {
  const args = adoptArgs(argv, cwd);
  print(`adopt: reading the containers on ${args.dockerHost}`);
  const adoption = await discover(dockerRunner(args.timeoutMs), args, { info: (m) => print(`  ${m}`), warn: (m) => print(`  ! ${m}`) });
  const config = adoptedConfig(adoption);
  // The program's own parser: a value it would refuse stops here, before anything is written.
  parseAppConfig(config);
  const stackFile = writeStackConfig(args.stack, args.stackDir, config, APP_KEYS);
  fs.mkdirSync(args.out, { recursive: true });
  const importPath = path.join(args.out, "import.json");
  fs.writeFileSync(importPath, `${JSON.stringify(importFile(adoption), null, 2)}\n`);
  const secrets = secretCommands(adoption, APP_SECRET_KEYS);
  const script = path.join(args.out, "set-secrets.sh");
  fs.writeFileSync(script, secretScript(secrets), { mode: 0o755 });

  const notes = [
    ...SERVICES.flatMap((s) => adoption.services[s].notes.map((n) => `${s}: ${n}`)),
    ...networkNotes(adoption.network),
    ...secretConflicts(adoption),
  ];
  const rel = (p: string) => path.relative(cwd, p) || ".";
  const steps = pulumiSteps(args.stack, rel(importPath));
  print(
    `wrote ${rel(stackFile)} (spec1: ${Object.keys(config).join(", ")}), ${rel(importPath)}, ${rel(script)} (${secrets.length} secrets)`,
  );
  print(notes.length === 0 ? "every setting carried" : `not carried as it runs:\n${notes.map((n) => `  - ${n}`).join("\n")}`);
  print(
    [
      "next (README, Production):",
      `  1. review: git diff ${rel(stackFile)}`,
      `  2. pulumi stack select ${args.stack}   (pulumi stack init ${args.stack} the first time)`,
      `  3. bash ${rel(script)}`,
      `  4. ${shellLine([steps.createParents])}`,
      `  5. ${shellLine([steps.importAll])}`,
      `  6. ${shellLine([steps.preview])}   (no container, network or volume replaced or deleted)`,
      "  7. stop running these services with compose: never run compose and this stack on the same services",
      `  8. pulumi up --stack ${args.stack}`,
    ].join("\n"),
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), process.cwd(), (line) => process.stdout.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`adopt: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
