/**
 * A backup is untrusted input: whoever can write the bucket chooses its bytes. Each attack below is a dump
 * that tries to act beyond restoring data, restored through Pulumi's provider host into the local engine's
 * disposable server (tools as `nobody`, the dump as the run's non-superuser role, psql behind \restrict).
 * Each must fail with a message that says why, leave no marker file on the runner (in /tmp, which anyone
 * may write, so only the refusal keeps it away), and no role, config change or backend on the kept server.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as zlib from "zlib";
import { randomBytes } from "crypto";
import { spawn } from "child_process";
import { destroy } from "../harness/engine";
import { startProviderHost } from "../harness/providerHost";
import { putObject, dumpDatabase } from "../sim/fixtures/backups";
import { withPgClient } from "../lib/postgres";
import {
  BUCKET,
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
let ok: RestoreUp;
const marker = path.join("/tmp", `spec1-hostile-${randomBytes(6).toString("hex")}`);

beforeAll(async () => {
  world = await startRestoreWorld(["custom", "plain"]);
  const client = world.s3.client();
  await putObject(client, BUCKET, "ok/2026-11-27T02-00-00Z.dump", { file: world.dumps.custom });
  client.destroy();
  ok = await upRestore(world, "ok/");
  ok.restored();
}, 120000);
afterAll(async () => {
  fs.rmSync(marker, { force: true });
  if (ok) await destroy(world.host, ok.state).catch(() => undefined);
  await world?.stop();
});

async function attack(prefix: string, body: Buffer | string, overrides?: Record<string, unknown>): Promise<string> {
  const client = world.s3.client();
  await putObject(client, BUCKET, `${prefix}2026-11-27T02-00-00Z.dump`, Buffer.from(body));
  client.destroy();
  return (await upRestore(world, prefix, overrides, ok.state)).failure();
}

/** Nothing happened beyond the failure: no marker, no role, no ALTER SYSTEM, no backend of the run's roles, no temp file. */
async function expectNoEffect(): Promise<void> {
  expect(fs.existsSync(marker)).toBe(false);
  const q = (sql: string) => queryServer(ok.server, "postgres", sql);
  expect(await q("SELECT rolname FROM pg_roles WHERE rolname = 'evil'")).toEqual([]);
  expect(await q("SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'")).toEqual([]);
  expect(await q("SELECT pid FROM pg_stat_activity WHERE usename IN ('spec1_restore', 'spec1_smoke')")).toEqual([]);
  expect(leftovers(world)).toEqual([]);
}

const plain = () => fs.readFileSync(world.dumps.plain, "utf8");

test.each([
  ["a psql shell escape (\\!)", `\\! touch ${marker}\n`, "backslash commands are restricted"],
  ["psql output redirection (\\o)", `\\o ${marker}\nSELECT 1;\n`, "backslash commands are restricted"],
  ["a dump that lifts our \\restrict with a guessed key", `\\unrestrict 0000\n\\! touch ${marker}\n`, "backslash commands are restricted"],
  ["COPY … TO PROGRAM", `COPY (SELECT 1) TO PROGRAM 'touch ${marker}';\n`, "pg_execute_server_program"],
  ["an untrusted extension (file_fdw)", "CREATE EXTENSION file_fdw SCHEMA public;\n", 'permission denied to create extension "file_fdw"'],
  ["ALTER SYSTEM", "ALTER SYSTEM SET work_mem = '1GB';\n", "permission denied to set parameter"],
  [
    "a new superuser with a known password",
    "CREATE ROLE evil SUPERUSER LOGIN PASSWORD 'known';\n",
    "must be superuser to create superusers",
  ],
])("a malicious plain dump: %s fails and leaves nothing", async (_what, attackSql, error) => {
  const message = await attack(`evil/plain-${randomBytes(3).toString("hex")}/`, `${plain()}\n${attackSql}`);
  expect(message).toContain(error);
  expect(message).toContain("the dump asked for more than restoring data");
  await expectNoEffect();
});

test("a malicious gzipped plain dump: a shell escape fails and leaves nothing", async () => {
  const message = await attack("evil/gzip/", zlib.gzipSync(`${plain()}\n\\! touch ${marker}\n`));
  expect(message).toContain("backslash commands are restricted");
  await expectNoEffect();
});

test("a malicious custom dump: a CHECK constraint whose function runs COPY … TO PROGRAM during the load fails", async () => {
  // Harmless where it was dumped, armed only in the restore's database.
  const db = "evil_src";
  await withPgClient(world.source.connection(), { connectTimeoutMs: 10000, queryTimeoutMs: 30000 }, (c) =>
    c.query(`CREATE DATABASE ${db}`),
  );
  await withPgClient(world.source.connection(db), { connectTimeoutMs: 10000, queryTimeoutMs: 30000 }, (c) =>
    c.query(`
      CREATE FUNCTION armed(v int) RETURNS boolean LANGUAGE plpgsql AS $f$
      BEGIN
        IF current_database() = 'restore_test' THEN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch ${marker}'''; END IF;
        RETURN true;
      END $f$;
      CREATE TABLE t (v int CHECK (armed(v)));
      INSERT INTO t VALUES (1);`),
  );
  const file = path.join(world.workDir, "evil.dump");
  await dumpDatabase(world.source, db, "custom", file);
  const message = await attack("evil/custom/", fs.readFileSync(file));
  expect(message).toContain("pg_execute_server_program");
  await expectNoEffect();
});

test("an endless DO loop is stopped at the restore's bound and its backend does not outlive it", async () => {
  const started = Date.now();
  const message = await attack("evil/loop/", `${plain()}\nDO $$BEGIN LOOP PERFORM 1; END LOOP; END$$;\n`, {
    restore: { reportsDir: world.reportDir, jobs: 2, timeoutMs: 4000 },
  });
  expect(message).toContain("psql did not finish within 4s and was stopped");
  expect(Date.now() - started).toBeLessThan(30000);
  await expectNoEffect();
});

test("smoke SQL that runs SET statement_timeout = 0 does not lift the next query's bound", async () => {
  const client = world.s3.client();
  await putObject(client, BUCKET, "evil/smoke/2026-11-27T02-00-00Z.dump", { file: world.dumps.custom });
  client.destroy();
  const smoke = [
    { name: "lift", sql: "SELECT set_config('statement_timeout', '0', false)", expect: { minRows: 1 } },
    { name: "slow", sql: "SELECT pg_sleep(20)", expect: { minRows: 1 } },
  ];
  const started = Date.now();
  const message = (
    await upRestore(world, "evil/smoke/", { smoke, restore: { reportsDir: world.reportDir, jobs: 2, statementTimeoutMs: 1000 } }, ok.state)
  ).failure();
  expect(message).toContain("smoke query slow: ERROR: canceling statement due to statement timeout");
  expect(Date.now() - started).toBeLessThan(20000);
  await expectNoEffect();
});

/**
 * Runs `up` and freezes the provider host `pid` (SIGSTOP) once pg_ctl has begun to start a server whose create has
 * not returned (its dir under `tmpDir` holds both creating.pid and server.log; initdb writes no log), so the create
 * cannot finish however loaded the machine is. The watcher is a process of its own: this worker's event loop also
 * evaluates the program, and a poll here missed the window once in a clean-clone run. Returns the server's dir and
 * the up, to be awaited once the host is killed.
 */
async function freezeWhenServerStarts(
  tmpDir: string,
  pid: number,
  up: () => Promise<unknown>,
): Promise<{ dir: string; up: Promise<unknown> }> {
  const script =
    'while :; do for d in "$0"/spec1-pg-*; do if [ -e "$d/creating.pid" ] && [ -e "$d/server.log" ]; then ' +
    'kill -STOP "$1"; echo "$d"; exit 0; fi; done; sleep 0.005; done';
  const watcher = spawn("bash", ["-c", script, tmpDir, String(pid)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  watcher.stdout.on("data", (d) => (out += d));
  const frozen = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => (watcher.kill(), reject(new Error("no server started within 60 s"))), 60000);
    watcher.once("exit", (code) => (clearTimeout(timer), code === 0 ? resolve(out.trim()) : reject(new Error(`watcher exited ${code}`))));
  });
  const running = up().catch(() => undefined);
  return { dir: await frozen, up: running };
}

describe("a target that changes under the restore, and a runner that stops it", () => {
  /** The tools' and smoke's processes still connected to the disposable server (an orphan outlives its host). */
  const toolsOnServer = () =>
    fs
      .readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
          return /^(psql|pg_restore)$/.test(path.basename(cmd[0])) && cmd.includes(String(ok.server.port));
        } catch {
          return false;
        }
      });

  /** Uploads a plain dump that takes `seconds` to restore, under `prefix`. */
  async function slowDump(prefix: string, seconds: number): Promise<void> {
    const client = world.s3.client();
    await putObject(client, BUCKET, `${prefix}2026-11-27T02-00-00Z.dump`, Buffer.from(`${plain()}\nSELECT pg_sleep(${seconds});\n`));
    client.destroy();
  }

  /** A provider host of its own (this test stops it), with the world's temp dir. */
  async function ownHost() {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = world.tmpDir;
    try {
      return await startProviderHost();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  }

  async function until(what: string, check: () => boolean, ms = 30000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`not seen within ${ms}ms: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test("a port takeover after the first check is refused before anything is dropped on the other server", async () => {
    // The first connection (the target check) reaches the disposable server; every later one, the impostor.
    const impostor = world.source;
    await withPgClient(impostor.connection(), { connectTimeoutMs: 10000, queryTimeoutMs: 30000 }, async (c) => {
      await c.query("DROP DATABASE IF EXISTS restore_test");
      await c.query("CREATE DATABASE restore_test");
    });
    await withPgClient(impostor.connection("restore_test"), { connectTimeoutMs: 10000, queryTimeoutMs: 30000 }, (c) =>
      c.query("CREATE TABLE precious (v int); INSERT INTO precious VALUES (42)"),
    );
    // The worst case: the impostor even accepts the disposable server's superuser password.
    const same = { ...impostor.connection(), password: ok.server.password as string };
    await withPgClient(impostor.connection(), { connectTimeoutMs: 10000, queryTimeoutMs: 30000 }, (c) =>
      c.query(`ALTER ROLE postgres PASSWORD '${ok.server.password}'`),
    );
    let connections = 0;
    const proxy = net.createServer((socket) => {
      const port = connections++ === 0 ? ok.server.port : impostor.port;
      const upstream = net.connect(port, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const port = (proxy.address() as net.AddressInfo).port;
      const inputs = ok.state.get(RESTORE_RESOURCE)!.inputs;
      const message = await world.host.create(RESTORE_RESOURCE, withTarget(inputs, { ...ok.server, port })).then(
        () => "the restore passed",
        (err: Error) => err.message,
      );
      expect(message).toContain(`refusing to restore into 127.0.0.1:${port}: the server there is no longer the disposable Postgres`);
      expect(connections).toBeGreaterThanOrEqual(2);
    } finally {
      proxy.close();
    }
    expect(await queryServer(same, "restore_test", "SELECT v FROM precious")).toEqual([{ v: 42 }]);
    await withPgClient(same, { connectTimeoutMs: 10000, queryTimeoutMs: 30000 }, (c) =>
      c.query(`ALTER ROLE postgres PASSWORD '${impostor.password}'`),
    );
    expect(leftovers(world)).toEqual([]);
  });

  test("SIGTERM to the provider host mid-restore: the dump is deleted, no tool is left running, no backend", async () => {
    await slowDump("stop/term/", 30);
    const host = await ownHost();
    const up = upRestore(world, "stop/term/", undefined, ok.state, host).catch(() => undefined);
    await until("the restore's psql", () => host.output().includes("restoring: psql") && toolsOnServer().length > 0);
    process.kill(host.pid, "SIGTERM");
    await up;
    await until("the host's exit", () => !fs.existsSync(`/proc/${host.pid}`), 15000);
    await host.stop();
    expect(host.output()).toContain("restore interrupted by SIGTERM: stopping its tools and removing the downloaded dump");
    expect(leftovers(world)).toEqual([]);
    expect(toolsOnServer()).toEqual([]);
    await expectNoEffect();
  });

  test("SIGKILL while the disposable server starts: the next create stops that server, removes its dir and says so", async () => {
    /** Alive and not a zombie (an orphaned postmaster's parent may never reap it). */
    const alive = (pid: number) => {
      try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    const host = await ownHost();
    const frozen = await freezeWhenServerStarts(world.tmpDir, host.pid, () => upRestore(world, "ok/", undefined, undefined, host));
    const base = frozen.dir;
    const postmasterPid = path.join(base, "data", "postmaster.pid");
    await until("the server's postmaster.pid", () => fs.existsSync(postmasterPid), 30000);
    process.kill(host.pid, "SIGKILL");
    await frozen.up;
    await host.stop();
    const postmaster = Number(fs.readFileSync(postmasterPid, "utf8").split("\n")[0]);
    let next: RestoreUp | undefined;
    try {
      // Killed before the create returned: nothing recorded this server, and it outlived its host.
      expect(fs.existsSync(path.join(base, "creating.pid"))).toBe(true);
      await until("the orphaned server's postmaster", () => alive(postmaster), 10000);
      next = await upRestore(world, "ok/");
      expect(next.restored().report.status).toBe("passed");
      expect(world.host.output()).toContain(
        `stopped and removed ${base}: a disposable Postgres whose create was killed (pid ${host.pid}) before it was recorded`,
      );
      expect(fs.existsSync(base)).toBe(false);
      expect(alive(postmaster)).toBe(false);
    } finally {
      if (next) await destroy(world.host, next.state);
      // The test started it: a failed sweep must not leave it running.
      if (alive(postmaster)) process.kill(postmaster, "SIGKILL");
    }
    expect(leftovers(world)).toEqual([]);
  }, 120000);

  test("SIGKILL mid-restore leaves the dump; the next restore removes it and says so", async () => {
    await slowDump("stop/kill/", 5);
    const host = await ownHost();
    const up = upRestore(world, "stop/kill/", undefined, ok.state, host).catch(() => undefined);
    await until("the restore's psql", () => host.output().includes("restoring: psql"));
    process.kill(host.pid, "SIGKILL");
    await up;
    await host.stop();
    const left = leftovers(world);
    expect(left).toEqual([expect.stringMatching(/^spec1-restore-/)]);
    const client = world.s3.client();
    await putObject(client, BUCKET, "stop/after-kill/2026-11-27T02-00-00Z.dump", { file: world.dumps.custom });
    client.destroy();
    const next = await upRestore(world, "stop/after-kill/", undefined, ok.state);
    expect(next.restored().report.status).toBe("passed");
    expect(world.host.output()).toContain(
      `removed ${path.join(world.tmpDir, left[0])}: a dump left by a restore whose process (pid ${host.pid}) was killed`,
    );
    expect(leftovers(world)).toEqual([]);
  });
});
