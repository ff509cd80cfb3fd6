/** The restore test's decisions without servers: selection, dump types, command lines, smoke checks, config, report. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerFailure } from "../restore/dockerServer";
import { serverMajor } from "../restore/disposableServer";
import { gzipSync } from "zlib";
import { parseDisposablePostgres, parseRestoreConfig, parseSmokeQueries, RESTORE_DEFAULTS } from "../config/restore";
import { readStackConfig } from "../config/stackFile";
import {
  dockerCopyInCommand,
  dockerExecCommand,
  dockerInspectStateCommand,
  dockerInstancesCommand,
  dockerLogsCommand,
  dockerPortBindingsCommand,
  dockerPortHolderCommand,
  dockerRemoveCommand,
  dockerRunCommand,
  pgRestoreCommand,
  portListenerCommand,
  psqlCommand,
  settingsArgs,
} from "../restore/commands";
import { newestBinDir } from "../lib/postgres";
import { passwdIds } from "../restore/localEngine";
import { checkArchiveReadable, detectDump, maxArchiveVersion, toolMajorVersion } from "../restore/dumpType";
import { renderReportMarkdown, RestoreReport } from "../restore/report";
import { restorePhase } from "../restore/restoreTest";
import { throttled } from "../lib/log";
import { describeS3Error } from "../restore/s3";
import { HOUR_MS } from "../lib/time";
import { checkFreshness, ListedObject, parseChecksumSidecar, selectLatestBackup } from "../restore/selection";
import { DEFAULT_SMOKE_QUERIES } from "../config/restore";
import { renderRows, unmetExpectation } from "../restore/smoke";
import { CONTAINER_STAGING_DIR, toolsFor } from "../restore/restoreTools";
import { explainPrivilegeFailure } from "../restore/untrusted";

const T = Date.UTC(2026, 10, 27, 2, 0, 0);
const obj = (key: string, size: number, at: number): ListedObject => ({ key, size, lastModified: at });

describe("which backup", () => {
  test("the newest by LastModified, ties broken by key; zero-byte and sidecars skipped", () => {
    const objects = [
      obj("spec-1/a.dump", 10, T),
      obj("spec-1/c.dump", 10, T - 1000),
      obj("spec-1/b.dump", 10, T),
      obj("spec-1/z.dump", 0, T + 5000),
      obj("spec-1/b.dump.sha256", 64, T + 5000),
      obj("spec-1/manifest.json", 64, T + 9000),
    ];
    expect(selectLatestBackup(objects, "s3://backups/spec-1/")).toEqual({ ...objects[2], checksumKey: "spec-1/b.dump.sha256" });
    expect(selectLatestBackup(objects.slice(0, 2), "x")).toEqual(objects[0]);
  });

  test("nothing to restore names what was listed", () => {
    expect(() => selectLatestBackup([obj("p/x.dump", 0, T), obj("p/x.dump.sha256", 64, T)], "s3://backups/p/")).toThrow(
      "no backup to restore in s3://backups/p/: 2 object(s) listed, none is a non-empty dump (1 zero-byte, 1 sidecar); check that BACKUP_DAILY runs and uploads to this bucket and prefix",
    );
  });

  test("sha256 sidecars: sha256sum output or bare hex", () => {
    const hex = "ab".repeat(32);
    expect(parseChecksumSidecar(`${hex.toUpperCase()}  x.dump\n`, "k")).toBe(hex);
    expect(parseChecksumSidecar(hex, "k")).toBe(hex);
    expect(() => parseChecksumSidecar("nope", "k.sha256")).toThrow('k.sha256: not a sha256 checksum (expected 64 hex digits, got "nope")');
  });

  test("freshness: older than maxAgeHours fails and says how old", () => {
    expect(() => checkFreshness({ key: "k", lastModified: T }, T + 25 * HOUR_MS, 26)).not.toThrow();
    expect(() => checkFreshness({ key: "k", lastModified: T }, T + 50.25 * HOUR_MS, 26)).toThrow(
      "the newest backup k is 50.3 h old (taken 2026-11-27T02:00:00.000Z), older than the RPO limit backup.maxAgeMs = 26 h: BACKUP_DAILY has stopped or fails; fix the backup job before trusting this restore",
    );
  });
});

describe("dump type from the first bytes", () => {
  const header = (version: number, format: number) => Buffer.from([...Buffer.from("PGDMP"), 1, version, 0, 4, 8, format]);
  const tarHead = (name: string, content: Buffer) => {
    const block = Buffer.alloc(1024);
    block.write(name, 0, "latin1");
    block.write("ustar", 257, "latin1");
    content.copy(block, 512);
    return block;
  };

  test.each([
    ["custom", header(14, 1), { type: "custom", archiveVersion: "1.14" }],
    ["pg_dump tar", tarHead("toc.dat", header(15, 3)), { type: "tar", archiveVersion: "1.15" }],
    ["tar of a directory dump", tarHead("./", Buffer.alloc(0)), { type: "directory" }],
    ["plain SQL", Buffer.from("--\n-- PostgreSQL database dump\n--\n"), { type: "plain" }],
    ["gzip of plain SQL", gzipSync("--\n-- PostgreSQL database dump\n" + "x".repeat(5000)).subarray(0, 200), { type: "gzip-plain" }],
  ])("%s", (_what, head, expected) => {
    expect(detectDump(head as Buffer, "s3://b/k")).toEqual(expected);
  });

  test("anything else is refused with its first bytes", () => {
    expect(() => detectDump(Buffer.from([0, 1, 2, 255]), "s3://b/k")).toThrow(
      "s3://b/k is not a PostgreSQL dump (first bytes: 00 01 02 ff)",
    );
    expect(() => detectDump(Buffer.alloc(0), "s3://b/k")).toThrow("(first bytes: none, the object is empty)");
    expect(() => detectDump(gzipSync(Buffer.from([0, 0, 7])), "s3://b/k")).toThrow("s3://b/k (gzip-compressed) is not a PostgreSQL dump");
  });

  test("pg_restore too old for the archive fails early with what to do", () => {
    expect(toolMajorVersion("pg_restore (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n")).toBe(15);
    expect([12, 15, 16, 17, 18].map(maxArchiveVersion)).toEqual(["1.14", "1.14", "1.15", "1.16", "1.16"]);
    expect(() => checkArchiveReadable("1.14", "pg_restore (PostgreSQL) 15.18")).not.toThrow();
    expect(() => checkArchiveReadable("1.15", "pg_restore (PostgreSQL) 15.18")).toThrow(
      "the dump's archive version 1.15 is newer than pg_restore 15 reads (up to 1.14): use a pg_restore at least as new as the pg_dump that wrote it",
    );
  });
});

describe("command lines", () => {
  const target = { host: "127.0.0.1", port: 5544, user: "postgres", database: "restore_test" };

  test("pg_restore: no owner/privileges, stop at the first error, jobs only where the format allows", () => {
    expect(pgRestoreCommand("/pg/bin/pg_restore", "custom", "/tmp/d/dump", target, 4)).toEqual({
      command: "/pg/bin/pg_restore",
      args: [
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--verbose",
        "--jobs",
        "4",
        "--host",
        "127.0.0.1",
        "--port",
        "5544",
        "--username",
        "postgres",
        "--dbname",
        "restore_test",
        "/tmp/d/dump",
      ],
    });
    expect(pgRestoreCommand("pg_restore", "tar", "/d", target, 4).args).not.toContain("--jobs");
    expect(pgRestoreCommand("pg_restore", "directory", "/d", target, 2).args).toContain("--jobs");
  });

  test("psql stops on the first error, from a file or stdin", () => {
    expect(psqlCommand("psql", target, "/tmp/d/dump").args).toEqual([
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "--host",
      "127.0.0.1",
      "--port",
      "5544",
      "--username",
      "postgres",
      "--dbname",
      "restore_test",
      "-f",
      "/tmp/d/dump",
    ]);
    expect(psqlCommand("psql", target).args.slice(-2)).toEqual(["--dbname", "restore_test"]);
  });

  test("docker engine: the runbook's container, loopback only, password through the environment", () => {
    const cmd = dockerRunCommand(
      {
        container: "spec1-restore-ab12",
        image: "postgres:16",
        hostPort: 55432,
        instanceId: "spec1-restore-ab12",
        settings: { fsync: "off" },
      },
      "pw-123",
    );
    expect([cmd.command, ...cmd.args].join(" ")).toBe(
      "docker run --detach --name spec1-restore-ab12 --label spec1.instance_id=spec1-restore-ab12 --mount type=volume,destination=/var/lib/postgresql/data,volume-label=spec1.instance_id=spec1-restore-ab12 --publish 127.0.0.1:55432:5432 --env POSTGRES_PASSWORD postgres:16 -c spec1.instance_id=spec1-restore-ab12 -c fsync=off",
    );
    expect(cmd.env).toEqual({ POSTGRES_PASSWORD: "pw-123" });
    const restore = dockerExecCommand(
      "spec1-restore-ab12",
      pgRestoreCommand("pg_restore", "custom", "/tmp/spec1-restore/dump", { user: "postgres", database: "restore_test" }, 2),
    );
    expect([restore.command, ...restore.args].join(" ")).toBe(
      "docker exec spec1-restore-ab12 pg_restore --no-owner --no-privileges --exit-on-error --verbose --jobs 2 --username postgres --dbname restore_test /tmp/spec1-restore/dump",
    );
    expect(dockerCopyInCommand("/tmp/x/dump", "c", "/tmp/spec1-restore/dump").args).toEqual([
      "cp",
      "/tmp/x/dump",
      "c:/tmp/spec1-restore/dump",
    ]);
    expect(dockerRemoveCommand("c").args).toEqual(["rm", "--force", "--volumes", "c"]);
    const text = (cmd: { command: string; args: readonly string[] }) => [cmd.command, ...cmd.args].join(" ");
    expect(text(dockerInspectStateCommand("c"))).toBe("docker inspect --type container --format {{json .State}} c");
    expect(text(dockerLogsCommand("c", 8))).toBe("docker logs --tail 8 c");
    expect(text(dockerPortHolderCommand(55432))).toBe("docker ps --filter publish=55432 --format {{.Names}}");
    expect(text(portListenerCommand(55432))).toBe("ss -Hltnp sport = :55432");
    expect(text(dockerInstancesCommand())).toBe("docker ps --all --quiet --filter label=spec1.instance_id");
    expect(text(dockerPortBindingsCommand("c"))).toBe(
      "docker inspect --type container --format {{.Name}} {{json .HostConfig.PortBindings}} c",
    );
  });

  test.each([
    ["postgres:16", 16],
    ["postgres:16.4-bookworm", 16],
    ["spec1-sim/postgres:17", 17],
    ["registry.local:5000/postgres:15", 15],
    // A pinned digest: its hex must not read as a major (sha256:9f3e… is not PostgreSQL 9).
    [`postgres:16@sha256:9f3e${"a".repeat(60)}`, 16],
    [`postgres@sha256:0123${"a".repeat(60)}`, undefined],
    ["registry.local:5000/postgres", undefined],
    ["postgres:latest", undefined],
  ])("the image %s runs PostgreSQL %s (preview's archive warning)", (image, major) => {
    expect(serverMajor({ engine: "docker", image })).toBe(major);
  });

  test.each([
    [
      "the CLI's usage hint (20.10)",
      "docker run failed (exit 125): docker: Error response from daemon: boom. | Run 'docker run --help' for more information",
      "docker run failed (exit 125): docker: Error response from daemon: boom.",
    ],
    [
      "the CLI's usage hint (older)",
      "docker run failed (exit 125): docker: boom. | See 'docker run --help'.",
      "docker run failed (exit 125): docker: boom.",
    ],
    [
      "no CLI",
      "docker run: cannot run docker: spawn docker ENOENT",
      "the docker CLI is not installed on this runner (apt-get install docker.io), or set restore.disposablePostgres.engine: local",
    ],
  ])("docker errors: %s", (_what, raw, said) => {
    expect(dockerFailure(raw)).toBe(said);
  });

  test("server settings cannot smuggle extra arguments", () => {
    expect(() => settingsArgs({ shared_preload_libraries: "a b" })).toThrow(
      'server setting shared_preload_libraries="a b": only letters, digits and _ . / : - are passed through',
    );
  });
});

describe("docker engine tools, against a stand-in docker CLI that records its calls", () => {
  let dir: string;
  let savedPath: string | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-fake-docker-"));
    fs.writeFileSync(
      path.join(dir, "docker"),
      `#!/bin/sh\necho "$*" >> "${dir}/calls"\ncase "$*" in *"pg_restore --version"*) echo "pg_restore (PostgreSQL) 16.4";; esac\n[ "$3" = "psql" ] && cat > "${dir}/stdin"\nexit 0\n`,
      { mode: 0o755 },
    );
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("pg_restore and psql run inside the container, on the dump copied in, which is then removed", async () => {
    const tools = toolsFor(
      {
        engine: "docker",
        instanceId: "i",
        host: "127.0.0.1",
        port: 55432,
        user: "postgres",
        password: "pw",
        container: "spec1-restore-ab12",
      },
      "restore_test",
      { user: "spec1_restore", password: "pw2" },
      10000,
    );
    expect(await tools.pgRestoreVersion()).toContain("16.4");
    const staged = await tools.stage("/tmp/spec1-restore-x/dump");
    await tools.pgRestore("custom", staged, 2, () => undefined);
    await tools.psql(require("stream").Readable.from(["SELECT 1;\n"]));
    await tools.cleanup();
    expect(fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n")).toEqual([
      "exec spec1-restore-ab12 pg_restore --version",
      `exec spec1-restore-ab12 mkdir -p ${CONTAINER_STAGING_DIR}`,
      `cp /tmp/spec1-restore-x/dump spec1-restore-ab12:${CONTAINER_STAGING_DIR}/dump`,
      `exec spec1-restore-ab12 pg_restore --no-owner --no-privileges --exit-on-error --verbose --jobs 2 --username spec1_restore --dbname restore_test ${CONTAINER_STAGING_DIR}/dump`,
      "exec --interactive spec1-restore-ab12 psql -X -q -v ON_ERROR_STOP=1 --username spec1_restore --dbname restore_test",
      `exec spec1-restore-ab12 rm -rf ${CONTAINER_STAGING_DIR}`,
    ]);
  });
});

describe("smoke SQL", () => {
  test("expectations", () => {
    expect(unmetExpectation({ minRows: 1 }, [["a"]])).toBeUndefined();
    expect(unmetExpectation({ minRows: 2 }, [["a"]])).toBe("expected at least 2 row(s), got 1");
    expect(unmetExpectation({ nonZero: true }, [["0"]])).toBe('expected a non-zero number in the first column, got "0"');
    expect(unmetExpectation({ nonZero: true }, [])).toBe("expected a non-zero number in the first column, got no row");
    expect(unmetExpectation({ nonZero: true }, [["12"]])).toBeUndefined();
  });

  test("output looks like psql's", () => {
    expect(
      renderRows(
        ["status", "tickets"],
        [
          ["closed", "30"],
          ["open", "7"],
        ],
      ),
    ).toBe([" status | tickets", "--------+---------", " closed | 30", " open   | 7", "(2 rows)"].join("\n"));
  });
});

describe("config", () => {
  test("defaults are the runbook's", () => {
    const config = parseRestoreConfig({});
    expect(config.backup).toEqual({
      endpoint: undefined,
      region: "us-east-1",
      bucket: "backups",
      prefix: "spec-1/",
      maxAgeMs: 26 * 3600_000,
      timeoutMs: 30_000,
    });
    expect(config.disposablePostgres).toMatchObject({ engine: "docker", port: 55432, image: "postgres:16" });
    expect(config.restore).toEqual(RESTORE_DEFAULTS.restore);
    expect(config.smoke).toBe(DEFAULT_SMOKE_QUERIES);
    expect(parseDisposablePostgres({ engine: "local" }).port).toBe(0);
    expect(parseRestoreConfig({ backup: { prefix: "spec-1" } }).backup.prefix).toBe("spec-1/");
  });

  test("durations are in ms; the older keys in hours, minutes and seconds are still read, never both", () => {
    const legacy = parseRestoreConfig({
      backup: { maxAgeHours: 26, timeoutSeconds: 10 },
      disposablePostgres: { startTimeoutSeconds: 30 },
      restore: { timeoutMinutes: 5, statementTimeoutSeconds: 10 },
    });
    const ms = parseRestoreConfig({
      backup: { maxAgeMs: 93_600_000, timeoutMs: 10_000 },
      disposablePostgres: { startTimeoutMs: 30_000 },
      restore: { timeoutMs: 300_000, statementTimeoutMs: 10_000 },
    });
    expect(legacy).toEqual(ms);
    expect(ms.backup.maxAgeMs).toBe(26 * HOUR_MS);
    expect(() => parseRestoreConfig({ restore: { timeoutMinutes: 5, timeoutMs: 300_000 } })).toThrow(
      "restore.timeoutMinutes: is set together with timeoutMs; keep only timeoutMs (milliseconds)",
    );
    expect(() => parseRestoreConfig({ restore: { timeoutMinutes: 60 * 24 * 30 } })).toThrow(
      "restore.timeoutMs: 2592000000 ms is above the cap of 2147483647 ms; set at most 2147483647 (default 7200000)",
    );
  });

  test("Pulumi.restore.yaml is a valid restore stack: the runbook's docker container, reports where the pipeline keeps them", () => {
    const raw = readStackConfig("restore");
    expect(raw.role).toBe("restore");
    const config = parseRestoreConfig(raw);
    expect(config.backup).toMatchObject({ endpoint: "http://minio:9000", bucket: "backups", prefix: "spec-1/", maxAgeMs: 26 * 3600_000 });
    expect(config.disposablePostgres).toMatchObject({ engine: "docker", port: 55432, image: "postgres:16" });
    expect(config.restore.reportsDir).toBe("reports");
  });

  test.each([
    [
      { disposablePostgres: { engine: "podman" } },
      'disposablePostgres.engine: "podman" is not one of docker, local; set one of them (default docker)',
    ],
    [
      { disposablePostgres: { engine: "docker", port: 0 } },
      "disposablePostgres.port: 0 is not a usable port for the docker engine; set 1–65535 (default 55432)",
    ],
    [{ backup: { endpoint: "minio:9000" } }, 'backup.endpoint: "minio:9000" is not an http(s) URL; set e.g. http://minio:9000'],
    [
      { backup: { bucket: "b", maxAge: 3 } },
      "backup.maxAge: is not a known key; use one of endpoint, region, bucket, prefix, maxAgeMs, timeoutMs, maxAgeHours, timeoutSeconds",
    ],
    [
      { restore: { database: "postgres" } },
      'restore.database: "postgres" is not a plain lower-case identifier other than postgres/template*; set e.g. restore_test',
    ],
    [
      { smoke: [] },
      'smoke: is not a non-empty list; set e.g. [{"name": "users", "sql": "SELECT count(*) FROM users", "expect": {"nonZero": true}}], or unset it for the runbook\'s defaults',
    ],
  ])("%j is refused, naming the key and the fix", (raw, message) => {
    expect(() => parseRestoreConfig(raw)).toThrow(message);
  });

  test("smoke queries: each needs a name, SQL and an expectation", () => {
    expect(() => parseSmokeQueries([{ name: "u", sql: "SELECT 1", expect: {} }])).toThrow(
      'smoke[0].expect: expects nothing; set e.g. {"minRows": 1} or {"nonZero": true}',
    );
    expect(() =>
      parseSmokeQueries([
        { name: "u", sql: "SELECT 1", expect: { minRows: 1 } },
        { name: "u", sql: "SELECT 2", expect: { minRows: 1 } },
      ]),
    ).toThrow('smoke[1].name: "u" is used twice; give each smoke query its own name');
  });
});

describe("report and progress", () => {
  const report: RestoreReport = {
    stack: "restore",
    status: "failed",
    error: "smoke query users: expected at least 1 row(s), got 0",
    dba: "The database is kept for debugging: psql -h 127.0.0.1 -p 5544 -U postgres restore_test",
    startedAt: "2026-11-28T14:00:00.000Z",
    finishedAt: "2026-11-28T14:03:00.000Z",
    backup: {
      url: "s3://backups/spec-1/x.dump",
      size: 3 * 1024 * 1024,
      lastModified: "2026-11-28T02:00:00.000Z",
      ageHours: 12,
      type: "custom",
      archiveVersion: "1.14",
      checksum: "no .sha256 sidecar",
    },
    server: { engine: "local", host: "127.0.0.1", port: 5544, database: "restore_test", instanceId: "i-1" },
    timings: { downloadSeconds: 1.5, restoreSeconds: 100, smokeSeconds: 0.5, rtoSeconds: 102 },
    smoke: [
      {
        name: "users",
        sql: "SELECT 1",
        columns: ["users"],
        rows: [],
        output: " users\n-------\n(0 rows)",
        ok: false,
        problem: "expected at least 1 row(s), got 0",
        durationMs: 3,
      },
    ],
  };

  test("the Markdown entry has RPO, RTO, dump, the failure, the DBA's way in and each SQL output", () => {
    const md = renderReportMarkdown(report);
    for (const part of [
      "# Restore test FAILED — 2026-11-28T14:03:00.000Z",
      "| RPO (backup age) | 12.0 h |",
      "| dump | custom (archive 1.14), 3.0 MiB |",
      "| RTO (restore start → smoke SQL answered) | 102.0 s |",
      "**For the database administrator:** The database is kept",
      "### users: FAILED — expected at least 1 row(s), got 0",
      "```\n users\n-------\n(0 rows)\n```",
    ]) {
      expect(md).toContain(part);
    }
  });

  test("pg_restore --verbose lines map to phases; progress is throttled", () => {
    expect(restorePhase('pg_restore: processing data for table "public.sales"')).toBe("loading data");
    expect(restorePhase('pg_restore: creating INDEX "public.sales_user"')).toBe("building indexes");
    expect(restorePhase('pg_restore: creating FK CONSTRAINT "public.sales sales_user_id_fkey"')).toBe("adding constraints");
    let now = 0;
    const seen: string[] = [];
    const log = throttled(
      (m) => seen.push(m),
      2000,
      () => now,
    );
    log("a");
    now = 1000;
    log("b");
    log("c", true);
    now = 3500;
    log("d");
    expect(seen).toEqual(["a", "c", "d"]);
  });

  test("S3 errors say what to fix", () => {
    const loc = { endpoint: "http://minio:9000", region: "us-east-1", bucket: "backups", prefix: "spec-1/", timeoutMs: 1000 };
    expect(describeS3Error({ name: "NoSuchBucket", $metadata: { httpStatusCode: 404 } }, loc, "listing").message).toBe(
      'listing: bucket "backups" does not exist at http://minio:9000; check backup.bucket and backup.endpoint',
    );
    expect(describeS3Error({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } }, loc, "downloading").message).toContain(
      "the object changed since it was listed",
    );
    expect(describeS3Error({ name: "Error", code: "ECONNREFUSED" }, loc, "listing").message).toBe(
      "listing: S3 endpoint http://minio:9000 is unreachable (ECONNREFUSED); check backup.endpoint and that the object store is running",
    );
  });

  test("the local engine runs initdb as the postgres user from /etc/passwd", () => {
    const passwd = "root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n";
    expect(passwdIds(passwd, "postgres")).toEqual({ uid: 101, gid: 104 });
    expect(passwdIds(passwd, "nobody")).toBeUndefined();
  });

  test("the local engine picks the newest PostgreSQL on the runner", () => {
    expect(newestBinDir("/usr/lib/postgresql", ["9", "15", "16", "README"])).toBe("/usr/lib/postgresql/16/bin");
    expect(() => newestBinDir("/usr/lib/postgresql", [])).toThrow(
      "no PostgreSQL under /usr/lib/postgresql: install postgresql (scripts/setup) or set disposablePostgres.binDir",
    );
  });
});

describe("explainPrivilegeFailure: a refusal for want of privilege says the dump asked for more than data, in every server's words", () => {
  test.each([
    // Postgres 15 (the local engine)
    "ERROR:  must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program",
    "ERROR:  must be superuser to create superusers",
    // Postgres 16 and later (the docker engine's 17 image)
    "ERROR:  permission denied to COPY to or from an external program",
    "ERROR:  permission denied to COPY from a file",
    "ERROR:  permission denied to COPY to a file",
    "ERROR:  permission denied to create role",
    'ERROR:  permission denied to create extension "file_fdw"',
    'ERROR:  permission denied to set parameter "work_mem"',
    "psql:<stdin>:9: error: backslash commands are restricted; only \\unrestrict is allowed",
  ])("%s", (message) => {
    expect(explainPrivilegeFailure(message)).toContain(`${message} — the dump asked for more than restoring data`);
  });

  test("any other failure is left as it is", () => {
    const message = 'ERROR:  relation "users" does not exist';
    expect(explainPrivilegeFailure(message)).toBe(message);
  });
});
