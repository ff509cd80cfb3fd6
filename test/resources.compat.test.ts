/**
 * Every stack file's program registers the same resources as the release that wrote the snapshot: same
 * URN (type chain, name), parent, aliases and inputs (the serialized provider aside). A change here means
 * `pulumi up` on an existing stack would create, replace or delete something: update the snapshot
 * (`npx jest test/resources.compat.test.ts -u`) only for a change that is meant, with aliases for any
 * URN that moves.
 */
import * as fs from "fs";
import * as path from "path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { LocalS3, S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { StandinGateway, startGateway } from "../sim/standins/gateway";
import { malaysiaDate } from "../lib/time";
import { Props } from "../harness/program";
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
