/**
 * What an existing stack sees after an upgrade. Two guards:
 * - every resource a stack written by the first release holds (test/fixtures/urns-release-1.json, its
 *   URNs per stack file) is still registered, under its URN or an alias, so no rename replaces it;
 * - every stack file's registrations (URN, parent, aliases, options, inputs; the serialized provider
 *   aside) equal the snapshot: a change means `pulumi up` would update or replace something. Update the
 *   snapshot (`npx jest test/resources.compat.test.ts -u --ci=false`) only for a change that is meant.
 */
import * as fs from "fs";
import * as path from "path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { LocalS3, S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { StandinGateway, startGateway } from "../sim/standins/gateway";
import { malaysiaDate } from "../lib/time";
import { Props, Registration } from "../harness/program";
import { readStackConfig } from "../config/stackFile";
import { runStack, TEST_SECRETS } from "./helpers/program";

const ROOT = path.resolve(__dirname, "..");
const STACKS = fs
  .readdirSync(ROOT)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

/** Fixed values for the rehearsal templates' `{{name}}` placeholders (their servers are not needed to register). */
const TEMPLATE_VALUES: Record<string, string> = {
  healthUrl: "http://127.0.0.1:9/api/health",
  webUrl: "http://127.0.0.1:9/",
  gatewayUrl: "http://127.0.0.1:9",
  gatewayWsUrl: "ws://127.0.0.1:9",
  trackerUrl: "http://127.0.0.1:9/issues",
  reportsDir: "/tmp/spec1-compat-reports",
  recentMessagesUrl: "http://127.0.0.1:9/api/messages/recent",
};

const SECRETS: Record<string, string> = {
  ...TEST_SECRETS,
  s3AccessKeyId: S3RVER_CREDENTIALS.accessKeyId,
  s3SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
  notifyWebhookUrl: "http://127.0.0.1:9/hooks/SECRET-webhook",
  trackerToken: "SECRET-tracker-token",
};

const BACKUP_KEY = "spec-1/spec1-2026-11-28T180000Z.dump";
const BACKUP_AT = new Date("2026-11-28T18:00:00Z");

let s3: LocalS3;
let gateway: StandinGateway;

beforeAll(async () => {
  s3 = await startS3({ buckets: ["backups"] });
  // A custom-format archive header is all the lookup reads (a ranged GET of the first bytes).
  const body = Buffer.concat([Buffer.from("PGDMP"), Buffer.from([1, 14, 0, 4, 8, 1]), Buffer.alloc(64)]);
  await s3.client().send(new PutObjectCommand({ Bucket: "backups", Key: BACKUP_KEY, Body: body }));
  s3.setLastModified("backups", BACKUP_KEY, BACKUP_AT);
  gateway = await startGateway({
    token: TEST_SECRETS.gatewayToken,
    sessions: [
      { id: "sales-1", status: "open" },
      { id: "support-1", status: "open" },
    ],
  });
});

afterAll(async () => {
  await Promise.allSettled([s3?.stop(), gateway?.stop()]);
});

/** The stack file's config with its placeholders filled and its endpoints pointed at this test's servers. */
function stackConfig(stack: string): Props {
  const values: Record<string, string> = { ...TEMPLATE_VALUES, s3Endpoint: s3.endpoint };
  const filled: Props = JSON.parse(JSON.stringify(readStackConfig(stack)).replace(/\{\{(\w+)\}\}/g, (_m, k) => values[k] ?? `{{${k}}}`));
  if (filled.role === "restore") filled.backup = { ...filled.backup, endpoint: s3.endpoint };
  if (filled.role === "drill") filled.drill = { ...filled.drill, gatewayUrl: gateway.httpUrl, gatewayWsUrl: gateway.wsUrl };
  return filled;
}

/** Run-specific values (ports, the checkout's path, today's run id) replaced by names. */
function normalize(json: string): string {
  return json
    .split(s3.endpoint)
    .join("{{s3Endpoint}}")
    .split(gateway.httpUrl)
    .join("{{gatewayUrl}}")
    .split(gateway.wsUrl)
    .join("{{gatewayWsUrl}}")
    .split(ROOT)
    .join("{{projectDir}}")
    .split(`"${malaysiaDate(new Date())}"`)
    .join('"{{todayInMalaysia}}"');
}

test("every Pulumi.<stack>.yaml is covered", () => {
  expect(STACKS).toEqual(
    expect.arrayContaining(["drill", "prod", "rehearsal-app", "rehearsal-drill", "rehearsal-restore", "restore", "staging"]),
  );
});

const RELEASE_1_URNS: Record<string, string[]> = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/urns-release-1.json"), "utf8"));

/**
 * The URNs a registration answers to: its own, and each alias's, built as the SDK builds them
 * (@pulumi/pulumi resource.js `collapseAliasToUrn` → `createUrn`: unset fields are the resource's own,
 * the parent's type chain prefixes the type, the stack's own type never does).
 */
function answersTo(r: Registration): string[] {
  const [prefix, name] = [r.urn.slice(0, r.urn.lastIndexOf("::")), r.urn.slice(r.urn.lastIndexOf("::") + 2)];
  const [, stack, project] = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(prefix)!;
  const aliases = r.aliases.map((a) => {
    if (a.urn) return a.urn as string;
    const spec = a.spec as Record<string, string | boolean>;
    const parent = spec.noparent ? "" : String(spec.parenturn || r.parent);
    const parentPrefix =
      parent && !parent.endsWith("::pulumi:pulumi:Stack") && !/::pulumi:pulumi:Stack::/.test(parent)
        ? `${parent.slice(0, parent.lastIndexOf("::"))}$`
        : `urn:pulumi:${spec.stack || stack}::${spec.project || project}::`;
    return `${parentPrefix}${spec.type || r.type}::${spec.name || name}`;
  });
  return [r.urn, ...aliases];
}

test("the alias rule: a named type answers to the unnamed one under its parent", () => {
  const r = {
    urn: "urn:pulumi:prod::spec1::spec1:checks:PostDeployChecks$pulumi-nodejs:dynamic/checks:ApiHealthCheck::spec1-checks-api-health",
    type: "pulumi-nodejs:dynamic/checks:ApiHealthCheck",
    name: "spec1-checks-api-health",
    parent: "urn:pulumi:prod::spec1::spec1:checks:PostDeployChecks::spec1-checks",
    aliases: [
      {
        spec: {
          name: "",
          stack: "",
          project: "",
          type: "pulumi-nodejs:dynamic:Resource",
          parenturn: "urn:pulumi:prod::spec1::spec1:checks:PostDeployChecks::spec1-checks",
        },
      },
    ],
    options: {},
    inputs: {},
  };
  expect(answersTo(r)).toEqual([
    r.urn,
    "urn:pulumi:prod::spec1::spec1:checks:PostDeployChecks$pulumi-nodejs:dynamic:Resource::spec1-checks-api-health",
  ]);
});

test.each(STACKS)("stack %s still registers every resource a first-release stack holds, under its URN or an alias", async (stack) => {
  const run = await runStack(stack, { config: stackConfig(stack), secrets: SECRETS });
  const answered = new Set(run.registrations.flatMap(answersTo));
  expect(RELEASE_1_URNS[stack].filter((urn) => !answered.has(urn))).toEqual([]);
  expect(RELEASE_1_URNS[stack].length).toBeGreaterThan(2);
});

test.each(STACKS)("stack %s registers the same resources (URN, parent, aliases, options, inputs)", async (stack) => {
  const run = await runStack(stack, { config: stackConfig(stack), secrets: SECRETS });
  // Sorted: registration order follows when each resource's inputs resolve, which is not the engine's key.
  const registered = [...run.registrations]
    .sort((a, b) => a.urn.localeCompare(b.urn))
    .map(({ urn, parent, aliases, options, inputs }) => {
      const { __provider, ...rest } = inputs;
      return { urn, parent, aliases, options, inputs: rest, ...(__provider === undefined ? {} : { dynamic: true }) };
    });
  expect(JSON.parse(normalize(JSON.stringify(registered)))).toMatchSnapshot();
});
