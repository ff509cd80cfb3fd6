/**
 * Each way a restore test fails, through the provider host on the local engine: a clear message, a
 * FAILED report on disk (written before the update fails), the DBA told where the kept database is,
 * and nothing else left behind — the downloaded dump is gone, the disposable server still runs.
 */
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { ProviderCallError } from "../harness/providerHost";
import { REDACTED } from "../lib/redact";
import { onLoopback } from "./helpers/loopback";
import { S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import { downloadTo, readHead, readText } from "../restore/s3";
import { waitForServer } from "../restore/target";
import { ageBackups, putObject, sha256File, uploadNewestBackup } from "../sim/fixtures/backups";
import { destroy } from "../harness/engine";
import {
  BUCKET,
  captureRestoreStack,
  leftovers,
  queryServer,
  RESTORE_RESOURCE,
  RestoreUp,
  RestoreWorld,
  startRestoreWorld,
  upRestore,
  withTarget,
} from "./helpers/restoreStack";

let world: RestoreWorld;
/** The first up: a good backup (`ok/`) restored into the disposable server every later up keeps. */
let ok: RestoreUp;

beforeAll(async () => {
  world = await startRestoreWorld(["custom", "plain"]);
  const client = world.s3.client();
  await uploadNewestBackup(client, BUCKET, "ok/2026-11-27T02-00-00Z.dump", world.dumps.custom, "matching");
  client.destroy();
  ok = await upRestore(world, "ok/");
  ok.restored();
}, 90000);
afterAll(async () => {
  if (ok) await destroy(world.host, ok.state).catch(() => undefined);
  await world?.stop();
});

/** Uploads `body` as the newest backup under `prefix`, runs the stack, and returns the restore's error. */
async function failedRestore(
  prefix: string,
  body: Buffer | string,
  overrides?: Record<string, unknown>,
  checksum: "matching" | "mismatching" | "none" = "none",
): Promise<string> {
  const file = path.join(world.workDir, prefix.replace(/\//g, "_"));
  fs.writeFileSync(file, body);
  const client = world.s3.client();
  await uploadNewestBackup(client, BUCKET, `${prefix}2026-11-27T02-00-00Z.dump`, file, checksum);
  client.destroy();
  return (await upRestore(world, prefix, overrides, ok.state)).failure();
}

/** The restore's error for inputs the engine would not produce by itself (see withTarget). */
async function probeRestore(inputs: Record<string, unknown>, target: Record<string, unknown>): Promise<string> {
  const error = await world.host.create(RESTORE_RESOURCE, withTarget(inputs, target)).then(
    (r) => new Error(`the restore passed: ${JSON.stringify(r.outs.report)}`),
    (err: Error) => err,
  );
  if (!(error instanceof ProviderCallError)) throw error;
  return error.message;
}

/** The newest report on disk: written before the update failed. */
function lastReport(): { markdown: string; json: any } {
  const names = fs
    .readdirSync(world.reportDir)
    .filter((n) => n.endsWith(".json"))
    .sort();
  const json = path.join(world.reportDir, names[names.length - 1]);
  return { markdown: fs.readFileSync(json.replace(/\.json$/, ".md"), "utf8"), json: JSON.parse(fs.readFileSync(json, "utf8")) };
}

/**
 * What every failure must leave: its report, the DBA's way in, the kept server, and no temp file. `restored`:
 * the failure came after restore_test was created, so the DBA is sent there; else to the server, told that
 * nothing was restored.
 */
async function expectFailureHandled(message: string, expected: string, restored: boolean): Promise<void> {
  expect(message).toContain(expected);
  expect(message).toContain(
    restored
      ? `The database is kept for debugging: psql -h 127.0.0.1 -p ${ok.server.port} -U postgres restore_test`
      : `The run failed before it restored anything (restore_test was not created by this run; one found there is an earlier run's). The server is kept: psql -h 127.0.0.1 -p ${ok.server.port} -U postgres postgres`,
  );
  const report = lastReport();
  expect(report.json.status).toBe("failed");
  expect(report.json.error).toContain(expected);
  expect(report.markdown).toContain("# Restore test FAILED");
  expect(message).toContain(`Report: ${world.reportDir}`);
  expect(leftovers(world)).toEqual([]);
  expect(await queryServer(ok.server, "postgres", "SELECT 1 AS up")).toEqual([{ up: 1 }]);
}

const dump = (type: "custom" | "plain") => fs.readFileSync(world.dumps[type]);

test("a truncated dump: pg_restore's own error", async () => {
  const custom = dump("custom");
  const message = await failedRestore("fail/truncated/", custom.subarray(0, Math.floor(custom.length * 0.6)));
  // Which worker hits the end of the file first varies with --jobs: assert pg_restore's own error, not its wording.
  await expectFailureHandled(message, "pg_restore failed (exit 1): pg_restore: error: ", true);
});

test("garbage bytes: not a PostgreSQL dump, with its first bytes", async () => {
  const message = await failedRestore("fail/garbage/", Buffer.from("e3b0c442\u0000\u0001\u0002garbage", "latin1"));
  await expectFailureHandled(
    message,
    "s3://backups/fail/garbage/2026-11-27T02-00-00Z.dump is not a PostgreSQL dump (first bytes: 65 33 62 30 63 34 34 32 00 01 02 67 61 72 62 61)",
    false,
  );
});

test("a checksum mismatch against the .sha256 sidecar", async () => {
  const message = await failedRestore("fail/checksum/", dump("custom"), undefined, "mismatching");
  await expectFailureHandled(message, `checksum mismatch for s3://backups/fail/checksum/2026-11-27T02-00-00Z.dump: its sha256 is `, false);
  expect(message).toContain(
    "fail/checksum/2026-11-27T02-00-00Z.dump.sha256 says 0000000000000000000000000000000000000000000000000000000000000000",
  );
});

test("a backup older than backup.maxAgeHours (BACKUP_DAILY stopped 3 days ago): the report says how old", async () => {
  const client = world.s3.client();
  await putObject(client, BUCKET, "fail/old/2026-11-25T02-00-00Z.dump", { file: world.dumps.custom });
  client.destroy();
  await ageBackups(world.s3, BUCKET, "fail/old/", 72);
  const message = (await upRestore(world, "fail/old/", undefined, ok.state)).failure();
  await expectFailureHandled(message, "the newest backup fail/old/2026-11-25T02-00-00Z.dump is 72.0 h old (taken ", false);
  expect(message).toContain("older than the RPO limit backup.maxAgeMs = 26 h: BACKUP_DAILY has stopped or fails");
  expect(lastReport().json.backup.ageHours).toBeCloseTo(72, 1);
});

test("an SQL error in the dump stops psql at the first error", async () => {
  const broken = Buffer.concat([dump("plain"), Buffer.from("\nINSERT INTO no_such_table VALUES (1);\n")]);
  const message = await failedRestore("fail/sql/", broken);
  await expectFailureHandled(message, "psql failed (exit 3): ERROR:", true);
  expect(message).toContain('ERROR:  relation "no_such_table" does not exist');
});

test("an archive newer than the runner's pg_restore fails before restoring anything", async () => {
  const custom = Buffer.from(dump("custom"));
  custom[6] = 15; // archive version 1.15, as pg_dump 16 writes
  const message = await failedRestore("fail/too-new/", custom);
  await expectFailureHandled(message, "the dump's archive version 1.15 is newer than pg_restore 15 reads (up to 1.14)", false);
});

test("smoke expectations not met, and smoke SQL that tries to write, fail with every query's output in the report", async () => {
  const smoke = [
    { name: "users", sql: "SELECT count(*) AS users FROM users", expect: { nonZero: true } },
    { name: "escalated", sql: "SELECT id FROM tickets WHERE status = 'escalated'", expect: { minRows: 1 } },
    { name: "wipe", sql: "DELETE FROM users RETURNING id", expect: { minRows: 0 } },
  ];
  const client = world.s3.client();
  await putObject(client, BUCKET, "fail/smoke/2026-11-27T02-00-00Z.dump", { file: world.dumps.custom });
  client.destroy();
  const message = (await upRestore(world, "fail/smoke/", { smoke }, ok.state)).failure();
  await expectFailureHandled(
    message,
    "smoke query escalated: expected at least 1 row(s), got 0; smoke query wipe: ERROR: cannot execute DELETE in a read-only transaction",
    true,
  );
  const report = lastReport();
  expect(report.json.smoke.map((s: { ok: boolean }) => s.ok)).toEqual([true, false, false]);
  expect(report.markdown).toContain(`### users: ok`);
  expect((await queryServer(ok.server, "restore_test", "SELECT count(*)::int AS n FROM users"))[0].n).toBe(world.seed.users);
});

test("a month without a sale fails the default smoke SQL: recent_sales counts, and a count of 0 is not a pass", async () => {
  const client = world.s3.client();
  await putObject(client, BUCKET, "fail/no-sales/2026-11-27T02-00-00Z.dump", { file: world.dumps.custom });
  client.destroy();
  // The seed's sales span the 60 days before now: a backup dated 100 days ago has none in its last 30 days.
  await ageBackups(world.s3, BUCKET, "fail/no-sales/", 2400);
  const message = (await upRestore(world, "fail/no-sales/", { backup: { maxAgeMs: 3000 * 3600000 } }, ok.state)).failure();
  await expectFailureHandled(message, 'smoke query recent_sales: expected a non-zero number in the first column, got "0"', true);
  expect(lastReport().json.smoke.map((s: { name: string; ok: boolean }) => [s.name, s.ok])).toEqual([
    ["users", true],
    ["recent_sales", false],
    ["tickets_by_status", true],
  ]);
});

test("S3 down during the restore", async () => {
  const s3 = await startS3({ buckets: [BUCKET] });
  try {
    const client = s3.client();
    await putObject(client, BUCKET, "spec-1/2026-11-27T02-00-00Z.dump", { file: world.dumps.custom });
    client.destroy();
    const config = { backup: { endpoint: s3.endpoint, timeoutMs: 2000 } };
    const captured = await captureRestoreStack(world, "spec-1/", config);
    await s3.stop();
    await expectFailureHandled(
      await probeRestore(captured.restore, ok.server),
      `downloading s3://backups/spec-1/2026-11-27T02-00-00Z.dump: S3 endpoint ${s3.endpoint} is unreachable`,
      false,
    );
  } finally {
    await s3.stop();
  }
});

test("an object store that echoes the request's credentials into its error: redacted in the message and the report on disk", async () => {
  const peer = await onLoopback(
    http.createServer((req, res) => {
      res.writeHead(500, { "content-type": "application/xml" });
      res.end(`<Error><Code>InternalError</Code><Message>echo ${req.headers.authorization}</Message></Error>`);
    }),
  );
  try {
    const inputs = ok.state.get(RESTORE_RESOURCE)!.inputs;
    const message = await probeRestore({ ...inputs, s3: { ...inputs.s3, endpoint: peer.url } }, ok.server);
    await expectFailureHandled(message, `InternalError (HTTP 500): echo AWS4-HMAC-SHA256 Credential=${REDACTED}/`, false);
    const report = lastReport();
    for (const text of [message, report.markdown, JSON.stringify(report.json)]) {
      expect(text).not.toContain(S3RVER_CREDENTIALS.accessKeyId);
    }
  } finally {
    await peer.close();
  }
});

test("a target that is not the disposable server is refused, and left untouched", async () => {
  const source = { ...ok.server, port: world.source.port, password: world.source.password };
  const message = await probeRestore(ok.state.get(RESTORE_RESOURCE)!.inputs, source);
  expect(message).toContain(
    `refusing to restore into 127.0.0.1:${world.source.port}: it is not the disposable Postgres this stack created (expected spec1.instance_id ${ok.server.instanceId}, the server reports ${world.source.instanceId})`,
  );
  const databases = await queryServer(
    world.source.connection(),
    "postgres",
    "SELECT datname FROM pg_database WHERE datname = 'restore_test'",
  );
  expect(databases).toEqual([]);
  expect(leftovers(world)).toEqual([]);
});

describe("a trickling S3 peer cannot stretch the download", () => {
  /** An S3 stand-in that answers every GET with `size` bytes, `chunk` bytes every `everyMs`. */
  async function trickler(size: number, chunk: number, everyMs: number): Promise<{ endpoint: string; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size), etag: '"x"' });
      let sent = 0;
      const timer = setInterval(() => {
        const n = Math.min(chunk, size - sent);
        res.write(Buffer.alloc(n, 0x41));
        sent += n;
        if (sent >= size) (clearInterval(timer), res.end());
      }, everyMs);
      req.on("close", () => clearInterval(timer));
    });
    const peer = await onLoopback(server);
    return { endpoint: peer.url, close: peer.close };
  }

  test("a byte every 200 ms: stalled, within one backup.timeoutMs window, naming the rate seen", async () => {
    const peer = await trickler(1 << 20, 1, 200);
    try {
      const loc = { endpoint: peer.endpoint, region: "us-east-1", bucket: BUCKET, prefix: "x/", timeoutMs: 1500 };
      const started = Date.now();
      const err = await downloadTo(
        loc,
        S3RVER_CREDENTIALS,
        { key: "x/dump" },
        path.join(world.workDir, "trickled"),
        () => undefined,
        60000,
      ).catch((e: Error) => e);
      expect((err as Error).message).toMatch(
        /^downloading s3:\/\/backups\/x\/dump: stalled: \d+ bytes arrived in the last 2 s, under the minimum of 64 KiB per backup\.timeoutMs/,
      );
      expect(Date.now() - started).toBeLessThan(4000);
    } finally {
      await peer.close();
    }
  });

  test("fast enough per window but never done: ends at the overall deadline (restore.timeoutMs)", async () => {
    const peer = await trickler(64 << 20, 96 * 1024, 500);
    try {
      const loc = { endpoint: peer.endpoint, region: "us-east-1", bucket: BUCKET, prefix: "x/", timeoutMs: 1000 };
      const started = Date.now();
      const err = await downloadTo(
        loc,
        S3RVER_CREDENTIALS,
        { key: "x/dump" },
        path.join(world.workDir, "slow"),
        () => undefined,
        3000,
      ).catch((e: Error) => e);
      expect((err as Error).message).toMatch(
        /^downloading s3:\/\/backups\/x\/dump: did not finish within 3 s \(restore\.timeoutMs\); \d+ bytes had arrived/,
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await peer.close();
    }
  });

  test("through the provider host: the restore fails at the bound and leaves no partial dump", async () => {
    const peer = await trickler(1 << 20, 1, 200);
    try {
      const inputs = ok.state.get(RESTORE_RESOURCE)!.inputs;
      const message = await probeRestore({ ...inputs, s3: { ...inputs.s3, endpoint: peer.endpoint, timeoutMs: 1500 } }, ok.server);
      expect(message).toContain("stalled:");
      expect(leftovers(world)).toEqual([]);
    } finally {
      await peer.close();
    }
  });
});

test("the dump is streamed into a file only its owner can read, hashed on the way", async () => {
  const file = path.join(world.workDir, "streamed");
  const loc = { endpoint: world.s3.endpoint, region: "us-east-1", bucket: BUCKET, prefix: "ok/", timeoutMs: 5000 };
  const seen: number[] = [];
  const result = await downloadTo(
    loc,
    S3RVER_CREDENTIALS,
    { key: "ok/2026-11-27T02-00-00Z.dump" },
    file,
    (bytes) => seen.push(bytes),
    60000,
  );
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(result).toEqual({ bytes: fs.statSync(world.dumps.custom).size, sha256: await sha256File(world.dumps.custom) });
  expect(seen[seen.length - 1]).toBe(result.bytes);
});

test("the first bytes and the checksum sidecar are read whole from an object store whose body arrives late", async () => {
  // Headers first, the rest of the body 200 ms later: a client destroyed on the headers would cut it.
  const slow = http.createServer((_req, res) => {
    res.writeHead(206, { "content-type": "application/octet-stream", "content-length": "10", "content-range": "bytes 0-9/100" });
    res.write("PGDMP");
    setTimeout(() => res.end("12345"), 200);
  });
  const peer = await onLoopback(slow);
  try {
    const loc = {
      endpoint: peer.url,
      region: "us-east-1",
      bucket: BUCKET,
      prefix: "ok/",
      timeoutMs: 5000,
    };
    expect((await readHead(loc, S3RVER_CREDENTIALS, "ok/x.dump", 10)).toString()).toBe("PGDMP12345");
    expect(await readText(loc, S3RVER_CREDENTIALS, "ok/x.dump.sha256")).toBe("PGDMP12345");
  } finally {
    await peer.close();
  }
});

test("a server that takes the connection but never answers a query ends the wait at its deadline", async () => {
  // Speaks just enough of the protocol to log in (AuthenticationOk, ReadyForQuery), then stays silent.
  const silent = await onLoopback(
    net.createServer((socket) => {
      socket.once("data", () => socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49])));
    }),
  );
  const port = silent.port;
  try {
    const target = { host: "127.0.0.1", port, user: "postgres", password: "x", instanceId: "spec1-restore-x" };
    await expect(waitForServer(target, 1500)).rejects.toThrow(
      new RegExp(`^disposable Postgres on 127\\.0\\.0\\.1:${port} ready: not reached within \\d+s; last seen: Query read timeout$`),
    );
  } finally {
    await silent.close();
  }
});
