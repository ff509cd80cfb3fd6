/**
 * The restore stack end to end on real servers: the program finds the newest dump among >1,000 keys
 * (what preview shows), the host starts a local disposable Postgres, restores every pg_dump format into
 * it and runs the smoke SQL, whose output must equal what was seeded; destroy leaves nothing behind.
 */
import * as fs from "fs";
import * as net from "net";
import { DUMP_TYPES, DumpType } from "../restore/dumpType";
import { S3RVER_CREDENTIALS } from "../sim/services/s3";
import { findLatestBackup } from "../restore/lookup";
import { programError, plainText } from "./helpers/program";
import { ageBackups, uploadNewestBackup, uploadOlderBackups, putObject } from "../sim/fixtures/backups";
import { destroy } from "../harness/engine";
import {
  BUCKET,
  captureRestoreStack,
  leftovers,
  POSTGRES_RESOURCE,
  queryServer,
  RESTORE_RESOURCE,
  RestoreUp,
  RestoreWorld,
  S3_SECRETS,
  startRestoreWorld,
  upRestore,
} from "./helpers/restoreStack";

let world: RestoreWorld;
const NEWEST = "spec-1/2026-11-27T02-00-00Z.dump";
const prefixOf = (type: DumpType) => (type === "custom" ? "spec-1/" : `formats/${type}/`);

beforeAll(async () => {
  world = await startRestoreWorld(DUMP_TYPES);
  const client = world.s3.client();
  await uploadOlderBackups(client, BUCKET, "spec-1/", 1100);
  await uploadNewestBackup(client, BUCKET, NEWEST, world.dumps.custom, "matching");
  for (const type of DUMP_TYPES.filter((t) => t !== "custom")) {
    await uploadNewestBackup(
      client,
      BUCKET,
      `${prefixOf(type)}2026-11-27T02-00-00Z.backup`,
      world.dumps[type],
      type === "plain" ? "none" : "matching",
    );
  }
  await putObject(client, BUCKET, "unused/README.txt", "backups go to spec-1/");
  client.destroy();
}, 90000);
afterAll(() => world?.stop());

describe("what preview shows", () => {
  test("a warning for each thing up will fail on: a backup past the RPO limit, an archive newer than the image's pg_restore reads", async () => {
    // A custom dump as pg_dump 17 heads it (archive 1.16), 72 h old: preview reads only the head.
    const file = `${world.workDir}/pg17-head.dump`;
    const bytes = Buffer.from(fs.readFileSync(world.dumps.custom));
    bytes[5] = 1;
    bytes[6] = 16;
    fs.writeFileSync(file, bytes);
    const client = world.s3.client();
    await uploadNewestBackup(client, BUCKET, "warn/2026-11-27T02-00-00Z.dump", file, "none");
    client.destroy();
    await ageBackups(world.s3, BUCKET, "warn/", 72);
    const warnings = async (image: string) => {
      const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
      try {
        await captureRestoreStack(world, "warn/", { disposablePostgres: { engine: "docker", port: 55432, image } }, true);
        return warn.mock.calls.map((c) => String(c[0]));
      } finally {
        warn.mockRestore();
      }
    };
    const on15 = await warnings("postgres:15");
    expect(on15).toHaveLength(2);
    expect(on15[0]).toMatch(
      /the restore will fail: the newest backup warn\/2026-11-27T02-00-00Z\.dump is 7\d\.\d h old .* older than the RPO limit/,
    );
    expect(on15[1]).toContain("the restore will fail: the dump's archive version 1.16 is newer than pg_restore 15 reads (up to 1.14)");
    // postgres:17 reads it; a tag without a major makes no claim.
    expect(await warnings("postgres:17")).toEqual([on15[0]]);
    expect(await warnings("registry.local/pg@sha256:" + "a".repeat(64))).toEqual([on15[0]]);
  });

  test("the newest complete dump among more than 1,000 keys (zero-byte and sidecars skipped), and no secret in plain text", async () => {
    const captured = await captureRestoreStack(world, "spec-1/", {}, true);
    expect(captured.outputs.backup).toMatchObject({
      key: NEWEST,
      size: fs.statSync(world.dumps.custom).size,
      type: "custom",
      archiveVersion: "1.14",
      checksumKey: `${NEWEST}.sha256`,
    });
    expect(captured.outputs.backup.ageHours).toBeLessThan(0.1);
    expect(captured.restore.backup).toMatchObject({ key: NEWEST, type: "custom" });
    expect(plainText(captured.restore) + plainText(captured.postgres)).not.toContain("S3RVER");
  });

  test("the docker engine is the runbook's container: postgres:16 on 127.0.0.1:55432", async () => {
    const captured = await captureRestoreStack(world, "spec-1/", { disposablePostgres: { engine: "docker" } });
    expect(captured.postgres).toMatchObject({ engine: "docker", image: "postgres:16", port: 55432 });
    expect(captured.postgres.settings).toMatchObject({ fsync: "off" });
  });

  test.each([
    [
      "an empty prefix",
      { backup: { prefix: "unused/" } },
      "no backup to restore in s3://backups/unused/: 1 object(s) listed, none is a non-empty dump (0 zero-byte, 1 sidecar)",
    ],
    ["S3 down", { backup: { endpoint: "http://127.0.0.1:9", timeoutMs: 2000 } }, "S3 endpoint http://127.0.0.1:9 is unreachable"],
  ])("the program fails with a clear message on %s", async (_what, overrides, message) => {
    expect(await programError("restore", { config: world.config("spec-1/", overrides), secrets: S3_SECRETS })).toContain(message);
  });

  test.each([
    ["a missing bucket", { bucket: "nope" }, S3RVER_CREDENTIALS, `listing s3://nope/spec-1/: bucket "nope" does not exist at`],
    [
      "bad credentials",
      {},
      { accessKeyId: "WRONG", secretAccessKey: "WRONG" },
      "rejected the credentials (InvalidAccessKeyId); check the secrets s3AccessKeyId and s3SecretAccessKey",
    ],
  ])("the lookup fails with a clear message on %s", async (_what, overrides, credentials, message) => {
    const loc = { endpoint: world.s3.endpoint, region: "us-east-1", bucket: BUCKET, prefix: "spec-1/", timeoutMs: 5000, ...overrides };
    await expect(findLatestBackup(loc, credentials, Date.now())).rejects.toThrow(message);
  });
});

describe("up and destroy on the local engine", () => {
  /** The first up (the newest custom dump); each later up keeps its server and replaces the restore. */
  let first: RestoreUp;
  /** What the provider host printed during the first up. */
  let firstLog: string;
  beforeAll(async () => {
    const before = world.host.output().length;
    first = await upRestore(world, "spec-1/");
    firstLog = world.host.output().slice(before);
  });
  afterAll(() => first && destroy(world.host, first.state).catch(() => undefined));

  test.each(DUMP_TYPES.map((t) => [t]))("restores a %s dump; its smoke SQL shows what was seeded", async (type: DumpType) => {
    const up = type === "custom" ? first : await upRestore(world, prefixOf(type), undefined, first.state);
    expect(up.server.instanceId).toBe(first.server.instanceId);
    const report = up.restored().report as any;
    const checksum = type === "plain" ? "no .sha256 sidecar" : "verified against the .sha256 sidecar";
    expect(report).toMatchObject({ status: "passed", backup: { type, checksum } });
    expect(report.smoke.users).toBe([" users", "-------", ` ${world.seed.users}`, "(1 row)"].join("\n"));
    expect(report.smoke.recent_sales).toBe([" sales", "-------", ` ${world.seed.recentSales}`, "(1 row)"].join("\n"));
    const statuses = Object.entries(world.seed.ticketsByStatus)
      .sort()
      .map(([s, n]) => ` ${s.padEnd(7)} | ${n}`);
    expect(report.smoke.tickets_by_status.split("\n").slice(2, 5)).toEqual(statuses);
    expect(report.timings.rtoSeconds).toBeGreaterThan(0);
    expect(fs.readFileSync(report.reportFiles.markdownPath, "utf8")).toContain("# Restore test PASSED");
    expect(JSON.parse(fs.readFileSync(report.reportFiles.jsonPath, "utf8")).smoke).toHaveLength(3);
    expect(leftovers(world)).toEqual([]);
    expect((await queryServer(up.server, "restore_test", "SELECT count(*)::int AS n FROM sales"))[0].n).toBe(600);
  });

  test("the download runs beside the server's start, and the restore takes that dump instead of downloading again", () => {
    const downloading = firstLog.indexOf("downloading s3://backups/spec-1/");
    expect(downloading).toBeGreaterThanOrEqual(0);
    expect(firstLog.slice(downloading)).toMatch(/local Postgres spec1-restore-\w+ ready/);
    expect(firstLog).toContain("restoring the dump downloaded while the server started");
    expect(firstLog.match(/downloading s3:/g)).toHaveLength(1);
  });

  test("progress is logged: download bytes and restore phases", () => {
    const log = world.host.output();
    expect(log).toMatch(/downloading s3:\/\/backups\/spec-1\/2026-11-27T02-00-00Z.dump \(36\.\d KiB\)/);
    expect(log).toMatch(/downloaded 36\.\d KiB in \d+\.\d s/);
    expect(log).toContain("restore phase: loading data");
    expect(log).toContain("restore phase: building indexes");
  });

  test("a new backup or server replaces the restore (runs the test again); the same inputs change nothing", async () => {
    const restore = first.state.get(RESTORE_RESOURCE)!;
    const server = first.state.get(POSTGRES_RESOURCE)!;
    expect(await world.host.diff(RESTORE_RESOURCE, restore.id, restore.outs, restore.inputs)).toMatchObject({ changes: "none" });
    const other = { ...restore.inputs, target: { ...restore.inputs.target, instanceId: "spec1-restore-other" } };
    expect(await world.host.diff(RESTORE_RESOURCE, restore.id, restore.outs, other)).toMatchObject({
      changes: "some",
      replaces: ["instanceId"],
    });
    expect(await world.host.diff(POSTGRES_RESOURCE, server.id, server.outs, server.inputs)).toMatchObject({ changes: "none" });
    const docker = { ...server.inputs, engine: "docker", port: 55432 };
    expect(await world.host.diff(POSTGRES_RESOURCE, server.id, server.outs, docker)).toMatchObject({
      changes: "some",
      replaces: ["engine", "port"],
    });
  });

  test("destroy stops the disposable Postgres and removes its files", async () => {
    await destroy(world.host, first.state);
    expect(leftovers(world)).toEqual([]);
    expect(fs.readdirSync(world.tmpDir).filter((n) => n.startsWith("spec1-pg-"))).toEqual([]);
    const refused = await new Promise((resolve) =>
      net
        .connect(first.server.port, "127.0.0.1")
        .once("connect", () => resolve(false))
        .once("error", () => resolve(true)),
    );
    expect(refused).toBe(true);
  });
});
