/**
 * The restore test's docker engine against a real Docker engine (the daemon test/helpers/dockerSetup.ts
 * ensures), through Pulumi's provider host: the runbook's container on 127.0.0.1:55432, every dump type,
 * and each way the engine itself fails — a taken port, a container that exits at once, a kept container
 * stopped by a reboot, no daemon, no CLI — with nothing left behind but what the DBA needs.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { execFileSync } from "child_process";
import { destroy } from "../harness/engine";
import { startProviderHost } from "../harness/providerHost";
import { DUMP_TYPES, DumpType } from "../restore/dumpType";
import { postgresImage } from "../sim/images/postgres/image";
import { uploadNewestBackup } from "../sim/fixtures/backups";
import { freePort } from "../lib/net";
import { BUCKET, queryServer, RestoreUp, RestoreWorld, startRestoreWorld, upRestore, withEnv } from "./helpers/restoreStack";

const PG17 = postgresImage(17);
const PG15 = postgresImage(15);
/**
 * An image whose container exits at once with a line on stderr, as a bad entrypoint or a full disk does;
 * tagged per run, so that two test runs sharing the engine never build or remove each other's.
 */
const EXITS_AT_ONCE = `spec1-test/exits-at-once:${process.pid}`;

let world: RestoreWorld;
const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8", timeout: 60000 }).trim();
/** Every container the restore ever started carries spec1.instance_id: those of this test's servers. */
const restoreContainers = () => docker("ps", "--all", "--filter", "label=spec1.instance_id", "--format", "{{.Names}} {{.State}}");
/** The data volumes of those containers: each carries its container's spec1.instance_id too. */
const volumes = (instance = "") =>
  docker("volume", "ls", "--quiet", "--filter", `label=spec1.instance_id${instance && `=${instance}`}`)
    .split("\n")
    .filter(Boolean)
    .sort();

/** Uploads `file` as the newest backup under `prefix`. */
async function upload(prefix: string, file: string, checksum: "matching" | "none" = "matching"): Promise<void> {
  const client = world.s3.client();
  await uploadNewestBackup(client, BUCKET, `${prefix}2026-11-27T02-00-00Z.dump`, file, checksum);
  client.destroy();
}

const dockerEngine = (port: number, image = PG17) => ({ disposablePostgres: { engine: "docker", port, image, startTimeoutMs: 60000 } });

beforeAll(async () => {
  world = await startRestoreWorld(DUMP_TYPES);
  for (const type of DUMP_TYPES) await upload(`docker/${type}/`, world.dumps[type], type === "plain" ? "none" : "matching");
  const dir = fs.mkdtempSync(path.join(world.workDir, "exits-"));
  // Twenty 1,000-character lines first (a log line can be any size), then the error, quoting its password.
  const script = `for i in $(seq 20); do printf '%01000d\\n' 0; done; echo "FATAL: no space left on device (password=$POSTGRES_PASSWORD)" >&2; exit 3`;
  fs.writeFileSync(path.join(dir, "Dockerfile"), `FROM ${PG17}\nENTRYPOINT ${JSON.stringify(["sh", "-c", script])}\n`);
  docker("build", "--quiet", "--tag", EXITS_AT_ONCE, dir);
}, 120000);
afterAll(async () => {
  await world?.stop();
  docker("image", "rm", "--force", EXITS_AT_ONCE);
});

describe("the runbook's container on 127.0.0.1:55432", () => {
  let first: RestoreUp;
  let volumesBefore: string[];
  beforeAll(async () => {
    volumesBefore = volumes();
    first = await upRestore(world, "docker/custom/", dockerEngine(55432));
  }, 120000);
  afterAll(() => first && destroy(world.host, first.state).catch(() => undefined));

  test.each(DUMP_TYPES.map((t) => [t]))(
    "restores a %s dump inside the container; the smoke SQL shows what was seeded",
    async (type: DumpType) => {
      const up = type === "custom" ? first : await upRestore(world, `docker/${type}/`, dockerEngine(55432), first.state);
      expect(up.server).toMatchObject({ engine: "docker", host: "127.0.0.1", port: 55432, container: first.server.instanceId });
      const report = up.restored().report as any;
      expect(report).toMatchObject({ status: "passed", backup: { type } });
      expect(report.smoke.users).toBe([" users", "-------", ` ${world.seed.users}`, "(1 row)"].join("\n"));
      const rows = await queryServer(
        up.server,
        "restore_test",
        "SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM sales)::int AS sales",
      );
      expect(rows[0]).toEqual({ users: world.seed.users, sales: 600 });
    },
    120000,
  );

  test("a truncated dump fails, the container is kept, and the DBA's docker exec line works", async () => {
    const file = path.join(world.workDir, "truncated.dump");
    fs.writeFileSync(file, fs.readFileSync(world.dumps.custom).subarray(0, 9000));
    await upload("docker/truncated/", file);
    const error = (await upRestore(world, "docker/truncated/", dockerEngine(55432), first.state)).failure();
    const container = first.server.container as string;
    expect(error).toContain("pg_restore");
    expect(error).toContain(`docker exec -it ${container} psql -U postgres restore_test`);
    expect(restoreContainers()).toContain(`${container} running`);
    // The DBA's line, without a terminal: the kept server answers inside the container.
    expect(docker("exec", container, "psql", "-U", "postgres", "-tAc", "SELECT 1", "restore_test")).toBe("1");
  }, 120000);

  // restore.hostile's attacks, replayed where the docker engine differs: its tools run inside the container (docker
  // exec), so a shell escape or a server-side program would land there, not on the runner.
  test.each([
    ["a psql shell escape (\\!)", (m: string) => `\\! touch ${m}\n`, "backslash commands are restricted"],
    // Postgres 16 and later word the refusal without the role's name (restore/untrusted.ts NEEDS_PRIVILEGE).
    [
      "COPY … TO PROGRAM",
      (m: string) => `COPY (SELECT 1) TO PROGRAM 'touch ${m}';\n`,
      "permission denied to COPY to or from an external program",
    ],
  ])(
    "a malicious plain dump inside the container: %s fails and leaves nothing there",
    async (_what, attackSql, expected) => {
      const container = first.server.container as string;
      const marker = `/tmp/spec1-hostile-${process.pid}-${Date.now()}`;
      const file = path.join(world.workDir, "hostile.sql");
      fs.writeFileSync(file, `${fs.readFileSync(world.dumps.plain, "utf8")}\n${attackSql(marker)}`);
      const prefix = `docker/hostile-${Date.now()}/`;
      await upload(prefix, file, "none");
      const error = (await upRestore(world, prefix, dockerEngine(55432), first.state)).failure();
      expect(error).toContain(expected);
      expect(error).toContain("the dump asked for more than restoring data");
      expect(docker("exec", container, "sh", "-c", `test -e ${marker} && echo present || echo absent`)).toBe("absent");
      expect(fs.existsSync(marker)).toBe(false);
      const q = (sql: string) => queryServer(first.server, "postgres", sql);
      expect(await q("SELECT pid FROM pg_stat_activity WHERE usename IN ('spec1_restore', 'spec1_smoke')")).toEqual([]);
    },
    120000,
  );

  test("a kept container stopped by a daemon restart is refused with `docker start <name>`, which brings it back", async () => {
    const container = first.server.container as string;
    docker("stop", container);
    const error = (await upRestore(world, "docker/plain/", dockerEngine(55432), first.state)).failure();
    expect(error).toContain("refusing to restore into 127.0.0.1:55432");
    expect(error).toContain(`container ${container} is exited: \`docker start ${container}\` recovers it with its data`);
    expect(error).not.toMatch(/docker exec.*cannot|--help/);
    docker("start", container);
    const again = await upRestore(world, "docker/plain/", dockerEngine(55432), first.state);
    expect(again.restored().report.status).toBe("passed");
  }, 180000);

  test("a second stack on the kept container's port: the error names that container, and nothing is left of the new one", async () => {
    const before = { containers: restoreContainers(), volumes: volumes() };
    const error = (await upRestore(world, "docker/custom/", dockerEngine(55432))).serverFailure();
    expect(error).toContain(
      `127.0.0.1:55432 is already taken by container ${first.server.container}, so the disposable Postgres cannot listen there`,
    );
    expect(error).toContain("docker: Bind for 127.0.0.1:55432 failed: port is already allocated)");
    expect(restoreContainers()).toEqual(before.containers);
    expect(volumes()).toEqual(before.volumes);
  }, 120000);

  test("destroy removes the container and its volume and frees the port; a second destroy is harmless", async () => {
    const container = first.server.container as string;
    expect(volumes(container)).toHaveLength(1);
    await destroy(world.host, first.state);
    expect(restoreContainers()).not.toContain(container);
    expect(volumes(container)).toEqual([]);
    expect(volumes()).toEqual(volumesBefore);
    await expect(listenOnce(55432)).resolves.toBeUndefined();
    await expect(destroy(world.host, first.state)).resolves.toBeUndefined();
  }, 120000);
});

describe("each way the engine fails, with nothing left behind", () => {
  test("a port already taken: one clear error naming the port and the fix, no container and no volume left", async () => {
    const port = await freePort();
    const holder = net.createServer().listen(port, "127.0.0.1");
    await new Promise((resolve) => holder.once("listening", resolve));
    const before = { containers: restoreContainers(), volumes: volumes() };
    try {
      const error = (await upRestore(world, "docker/custom/", dockerEngine(port))).serverFailure();
      // The holder is this test's own listener: ss names the process.
      expect(error).toMatch(
        new RegExp(
          `127\\.0\\.0\\.1:${port} is already taken by process \\S+ \\(pid ${process.pid}\\), so the disposable Postgres cannot listen there`,
        ),
      );
      expect(error).toContain("set restore.disposablePostgres.port");
      expect(error).not.toMatch(/--help/);
    } finally {
      holder.close();
    }
    expect(restoreContainers()).toEqual(before.containers);
    expect(volumes()).toEqual(before.volumes);
  }, 120000);

  test("a container that exits at once fails within seconds with its own last log lines, and is removed", async () => {
    const before = restoreContainers();
    const up = await upRestore(world, "docker/custom/", dockerEngine(await freePort(), EXITS_AT_ONCE));
    const error = up.serverFailure();
    // Noticed by the container's state, not by the 60 s start timeout running out.
    expect(up.serverStepMs()).toBeLessThan(10000);
    expect(error).toMatch(/did not start: container spec1-restore-\w+ exited \(exit 3\); its last log lines: 0{300}… \| /);
    // Its password redacted, the lines cut short and only the last eight: bounded whatever the container wrote.
    expect(error).toContain(" | FATAL: no space left on device (password=[redacted])");
    expect(error.length).toBeLessThan(8 * 310 + 1000);
    expect(restoreContainers()).toEqual(before);
  }, 60000);

  test("an image that is not on the runner and cannot be pulled: one line naming it and the fix, nothing left", async () => {
    const before = { containers: restoreContainers(), volumes: volumes() };
    const error = (await upRestore(world, "docker/custom/", dockerEngine(await freePort(), "spec1-test/absent:1"))).serverFailure();
    const [line] = error.split("\nWhat to do next:");
    expect(line).toContain(
      "the image spec1-test/absent:1 is not on this runner and could not be pulled; pull it where a registry answers (docker pull spec1-test/absent:1) or load it (docker load), or set restore.disposablePostgres.image (",
    );
    expect(line).not.toMatch(/--help|\n/);
    expect(restoreContainers()).toEqual(before.containers);
    expect(volumes()).toEqual(before.volumes);
  }, 60000);

  test.each([
    ["no daemon answers", { DOCKER_HOST: "unix:///nonexistent/docker.sock" }, "the Docker daemon does not answer"],
    ["the docker CLI is missing", { PATH: "/nonexistent" }, "the docker CLI is not installed on this runner (apt-get install docker.io)"],
  ])(
    "%s: one clear line",
    async (_what, env, message) => {
      const host = await withEnv(env, () => startProviderHost());
      try {
        const error = (await upRestore(world, "docker/custom/", dockerEngine(await freePort()), undefined, host)).serverFailure();
        const [line, next] = error.split("\nWhat to do next:");
        expect(line).toContain(message);
        expect(line).not.toMatch(/--help|\n/);
        expect(next).toBeDefined();
      } finally {
        await host.stop();
      }
    },
    60000,
  );
});

describe("a dump from a newer pg_dump (archive 1.16, PostgreSQL 17)", () => {
  let newer: string;
  let on17: RestoreUp | undefined;
  beforeAll(async () => {
    on17 = await upRestore(world, "docker/custom/", dockerEngine(await freePort()));
    // pg_dump 17 inside the 17 container writes archive 1.16.
    newer = path.join(world.workDir, "pg17.dump");
    const dump = execFileSync("docker", ["exec", on17.server.container, "pg_dump", "-U", "postgres", "-Fc", "restore_test"], {
      maxBuffer: 1 << 26,
    });
    fs.writeFileSync(newer, dump);
    await upload("docker/pg17/", newer);
  }, 180000);
  afterAll(() => on17 && destroy(world.host, on17.state).catch(() => undefined));

  test("is restored by the 17 image", async () => {
    const up = await upRestore(world, "docker/pg17/", dockerEngine(on17!.server.port), on17!.state);
    expect(up.restored().report).toMatchObject({ status: "passed", backup: { archiveVersion: "1.16" } });
  }, 120000);

  test("is refused by the 15 image with the version message", async () => {
    const up = await upRestore(world, "docker/pg17/", dockerEngine(await freePort(), PG15));
    try {
      expect(up.failure()).toContain("the dump's archive version 1.16 is newer than pg_restore 15 reads (up to 1.14)");
    } finally {
      await destroy(world.host, up.state).catch(() => undefined);
    }
  }, 120000);
});

/** Resolves once something could listen on the port (it is free), then closes. */
function listenOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once("error", reject);
    s.listen(port, "127.0.0.1", () => s.close(() => resolve()));
  });
}
