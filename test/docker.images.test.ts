/**
 * The spec1-sim/postgres images (sim/images/postgres) on the real engine, for each major: what callers of
 * the official postgres image rely on. test/helpers/dockerSetup.ts built them and runs the daemon.
 */
import { spawnSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { freePort } from "../lib/net";
import { pollUntil } from "../lib/poll";
import { runCommand } from "../lib/exec";
import { POSTGRES_MAJORS, postgresImage } from "../sim/images/postgres/image";

const docker = async (...args: string[]) =>
  (await runCommand({ command: "docker", args }, { what: `docker ${args[0]}`, timeoutMs: 60000 })).trim();

interface Login {
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

describe.each(POSTGRES_MAJORS)("spec1-sim/postgres:%i", (major) => {
  const image = postgresImage(major);
  const names: string[] = [];
  const clients: Client[] = [];
  const secrets = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-images-test-"));
  const instanceId = `test-${randomBytes(4).toString("hex")}`;
  const plain = { name: "", port: 0, login: { user: "postgres", password: randomBytes(12).toString("hex"), database: "postgres" } };
  const named = { name: "", port: 0, login: { user: "app", password: randomBytes(12).toString("hex"), database: "appdb" } };

  /** `env` values go through the CLI's environment, not argv, as the restore's docker run does. */
  async function run(
    server: { name: string; port: number },
    env: Record<string, string>,
    extra: string[],
    serverArgs: string[] = [],
  ): Promise<void> {
    server.name = `spec1-test-${randomBytes(6).toString("hex")}`;
    server.port = await freePort();
    // Recorded before the run: a run that fails can still leave a Created container behind.
    names.push(server.name);
    const args = [
      "run",
      "--detach",
      "--name",
      server.name,
      "--publish",
      `127.0.0.1:${server.port}:5432`,
      ...Object.keys(env).flatMap((k) => ["--env", k]),
      ...extra,
      image,
      ...serverArgs,
    ];
    await runCommand({ command: "docker", args, env }, { what: "docker run", timeoutMs: 60000 });
  }

  async function connect(port: number, login: Login): Promise<Client> {
    const client = new Client({ host: "127.0.0.1", port, ...login, connectionTimeoutMillis: 2000 });
    // A server that stops ends the connection: an unheard 'error' event would end the test process.
    client.on("error", () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  /** Fast polling, so a server that took TCP logins during its initialisation would be caught there. */
  function firstLogin(server: { name: string; port: number }, login: Login): Promise<Client> {
    return pollUntil<Client>(
      async () => {
        try {
          return { done: true, value: await connect(server.port, login) };
        } catch (err) {
          const state = await docker("inspect", "--format", "{{.State.Status}} (exit {{.State.ExitCode}})", server.name);
          if (!state.startsWith("running")) throw new Error(`${server.name} is ${state}: ${logs(server.name)}`);
          return { done: false, seen: (err as Error).message };
        }
      },
      { what: `first TCP login to ${image} (${server.name})`, deadlineMs: 60000, intervalMs: 20 },
    );
  }

  let plainClient: Client;
  let namedClient: Client;

  beforeAll(async () => {
    const passwordFile = path.join(secrets, "password");
    fs.writeFileSync(passwordFile, named.login.password, { mode: 0o600 });
    await Promise.all([
      // --no-sync: a throwaway cluster skips initdb's second-long sync to disk.
      run(
        plain,
        { POSTGRES_PASSWORD: plain.login.password, POSTGRES_INITDB_ARGS: "--no-sync --data-checksums" },
        [],
        ["-c", "fsync=off", "-c", `spec1.instance_id=${instanceId}`],
      ),
      run(named, { POSTGRES_USER: "app", POSTGRES_DB: "appdb", POSTGRES_PASSWORD_FILE: "/run/secrets/password" }, [
        "--volume",
        `${passwordFile}:/run/secrets/password:ro`,
      ]),
    ]);
    // The named server is logged into on the `postgres` database, which exists before POSTGRES_DB does.
    [plainClient, namedClient] = await Promise.all([
      firstLogin(plain, plain.login),
      firstLogin(named, { ...named.login, database: "postgres" }),
    ]);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    for (const name of names) {
      await docker("rm", "--force", "--volumes", name).catch((err: Error) => {
        if (!/no such container/i.test(err.message)) throw err;
      });
    }
    fs.rmSync(secrets, { recursive: true, force: true });
  });

  test("TCP logins need the password (scram-sha-256); UTF8 as in the official image", async () => {
    const { rows } = await plainClient.query(
      "SELECT current_setting('server_version_num') AS v, current_setting('server_encoding') AS enc, rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = current_user",
    );
    expect(rows[0]).toEqual({ v: expect.stringMatching(new RegExp(`^${major}\\d{4}$`)), enc: "UTF8", scram: true });
    await expect(connect(plain.port, { ...plain.login, password: "wrong" })).rejects.toThrow(
      'password authentication failed for user "postgres"',
    );
  });

  test("the first TCP login reaches the final server: the init server listened on the socket only", async () => {
    // The final server is PID 1 (the entrypoint execs it); the init server has another PID.
    const { rows } = await namedClient.query(
      "SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1) AS pid, (SELECT count(*)::int FROM pg_database WHERE datname = 'appdb') AS appdb",
    );
    expect(rows[0]).toEqual({ pid: "1", appdb: 1 });
  });

  test("POSTGRES_USER and POSTGRES_DB make that superuser and database; the password came from POSTGRES_PASSWORD_FILE", async () => {
    const client = await connect(named.port, named.login);
    const { rows } = await client.query(
      "SELECT current_user AS u, current_database() AS db, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su",
    );
    expect(rows[0]).toEqual({ u: "app", db: "appdb", su: true });
    await expect(connect(named.port, { ...named.login, user: "postgres" })).rejects.toThrow(
      'password authentication failed for user "postgres"',
    );
  });

  test("POSTGRES_INITDB_ARGS reach initdb", async () => {
    const { rows } = await plainClient.query("SELECT current_setting('data_checksums') AS checksums");
    expect(rows[0]).toEqual({ checksums: "on" });
  });

  test("server arguments after the image reach postgres", async () => {
    const { rows } = await plainClient.query("SELECT current_setting('spec1.instance_id') AS id, current_setting('fsync') AS fsync");
    expect(rows[0]).toEqual({ id: instanceId, fsync: "off" });
  });

  test("the data directory belongs to uid 999 and the server does not run as root", async () => {
    expect(await docker("exec", plain.name, "stat", "-c", "%u:%g %a", "/var/lib/postgresql/data")).toBe("999:999 700");
    expect(await docker("exec", plain.name, "stat", "-c", "%u", "/proc/1")).toBe("999");
    expect(await docker("exec", plain.name, "cat", "/proc/1/comm")).toBe("postgres");
  });

  test(`pg_restore inside is PostgreSQL ${major}`, async () => {
    expect(await docker("exec", plain.name, "pg_restore", "--version")).toMatch(
      new RegExp(`^pg_restore \\(PostgreSQL\\) ${major}\\.\\d+ `),
    );
  });

  test("without the LLVM JIT, a query past every JIT threshold still runs", async () => {
    await plainClient.query("SET jit_above_cost = 0");
    const { rows } = await plainClient.query("SELECT pg_jit_available() AS jit, sum(x)::int AS sum FROM generate_series(1, 1000) AS x");
    expect(rows[0]).toEqual({ jit: false, sum: 500500 });
  });

  // Last: it stops the plain server. SIGTERM (docker's default) would wait for the open client.
  test("docker stop ends it at once, with a client connected (STOPSIGNAL SIGINT)", async () => {
    const started = Date.now();
    await docker("stop", "--time", "20", plain.name);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await docker("inspect", "--format", "{{.State.ExitCode}}", plain.name)).toBe("0");
  });
});

/** A container's last log lines: postgres writes to stderr, which runCommand does not return. */
function logs(name: string): string {
  const r = spawnSync("docker", ["logs", "--tail", "20", name], { encoding: "utf8", timeout: 10000 });
  return `${r.stdout}${r.stderr}`.trim().split("\n").join(" | ");
}
