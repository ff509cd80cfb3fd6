/**
 * LocalS3.setLastModified against a real s3rver: the date it sets is what HeadObject and ListObjectsV2
 * report, for keys s3rver stores under nested directories, and only for that object.
 */
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { putObject } from "../sim/fixtures/backups";
import { LocalS3, startS3 } from "../sim/services/s3";

const BUCKET = "backups";
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3({ buckets: [BUCKET] });
  client = s3.client();
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

async function listed(prefix: string): Promise<Record<string, string>> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return Object.fromEntries((page.Contents ?? []).map((o) => [o.Key, o.LastModified!.toISOString()]));
}

test("HeadObject and ListObjectsV2 report the LastModified it sets, for that object only", async () => {
  const aged = "spec-1/nightly run/2026-11-25T02-00-00Z.dump";
  const untouched = "spec-1/nightly run/2026-11-26T02-00-00Z.dump";
  for (const key of [aged, untouched]) await putObject(client, BUCKET, key, "dump bytes");
  const uploaded = (await listed("spec-1/"))[untouched];
  // S3 dates are whole seconds.
  const at = new Date("2026-11-25T02:00:07Z");

  s3.setLastModified(BUCKET, aged, at);

  const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: aged }));
  expect(head.LastModified!.toISOString()).toBe(at.toISOString());
  expect(await listed("spec-1/")).toEqual({ [aged]: at.toISOString(), [untouched]: uploaded });
});

test("an object that is not there is an error naming it", () => {
  expect(() => s3.setLastModified(BUCKET, "spec-1/missing.dump", new Date())).toThrow(
    "setLastModified: no object s3://backups/spec-1/missing.dump in s3rver's store (",
  );
});
