/**
 * Every command line the project runs beyond the restore's own (test/restore.logic.test.ts), as the exact
 * text a person would type: a changed flag shows here first.
 */
import { CommandLine } from "../lib/exec";
import { initdbCommand, makeDirCommand, pgCtlStartCommand, pgCtlStopCommand, removeTreeCommand } from "../restore/commands";
import { providerHostCommand } from "../harness/providerHost";
import { pgDumpCommand, tarDirectoryCommand } from "../sim/fixtures/backups";
import { redisConfig, REDIS_SERVER_COMMAND } from "../sim/services/redis";
import { s3rverCommand } from "../sim/services/s3";

const text = (cmd: CommandLine) => [cmd.command, ...cmd.args].join(" ");

test("the local engine's cluster: initdb, pg_ctl start and stop", () => {
  expect(text(initdbCommand("/pg/bin", "/t/data", "/t/pwfile"))).toBe(
    "/pg/bin/initdb -D /t/data -U postgres -A scram-sha-256 --pwfile=/t/pwfile -E UTF8 --no-sync",
  );
  expect(text(pgCtlStartCommand("/pg/bin", "/t/data", "/t/server.log", 60, { port: "5433", fsync: "off" }))).toBe(
    "/pg/bin/pg_ctl -D /t/data -l /t/server.log -w -t 60 -o -c port=5433 -c fsync=off start",
  );
  expect(text(pgCtlStopCommand("/pg/bin", "/t/data", 30))).toBe("/pg/bin/pg_ctl -D /t/data -m fast -w -t 30 stop");
});

test("staging a dump inside the container and removing it", () => {
  expect(text(makeDirCommand("/tmp/spec1-restore"))).toBe("mkdir -p /tmp/spec1-restore");
  expect(text(removeTreeCommand("/tmp/spec1-restore"))).toBe("rm -rf /tmp/spec1-restore");
});

test("the provider host as pulumi up starts it", () => {
  const cmd = providerHostCommand("prod");
  expect(cmd.args.join(" ")).toMatch(/\/node_modules\/@pulumi\/pulumi\/cmd\/dynamic-provider\/index\.js 127\.0\.0\.1:1$/);
  expect(cmd.command).toBe(process.execPath);
  expect(cmd.env).toEqual({ PULUMI_PROJECT: "spec1", PULUMI_STACK: "prod" });
});

test("the simulated SPEC-1's servers: redis-server with its settings on stdin (no password in ps), s3rver", () => {
  expect(text(REDIS_SERVER_COMMAND)).toBe("redis-server -");
  expect(redisConfig(6390, "pw")).toBe('port 6390\nbind 127.0.0.1\nsave ""\nappendonly no\nrequirepass "pw"\n');
  const s3 = s3rverCommand("/t/s3", 9000, ["backups"]);
  expect(s3.args.join(" ")).toMatch(
    /\/node_modules\/s3rver\/bin\/s3rver\.js --directory \/t\/s3 --address 127\.0\.0\.1 --port 9000 --silent --configure-bucket backups$/,
  );
  expect(s3.env?.NODE_OPTIONS).toContain("--openssl-legacy-provider");
});

test("the fixtures' pg_dump per format, its password in the environment", () => {
  const pg = { binDir: "/pg/bin", host: "127.0.0.1", port: 5433, user: "postgres", password: "pw" } as const;
  expect(text(pgDumpCommand(pg, "shop", "gzip-plain", "/t/dump"))).toBe(
    "/pg/bin/pg_dump -Fp -Z 6 --host 127.0.0.1 --port 5433 --username postgres --dbname shop --file /t/dump",
  );
  expect(text(pgDumpCommand(pg, "shop", "directory", "/t/dump.d"))).toBe(
    "/pg/bin/pg_dump -Fd --jobs 2 --host 127.0.0.1 --port 5433 --username postgres --dbname shop --file /t/dump.d",
  );
  expect(pgDumpCommand(pg, "shop", "custom", "/t/d").env).toEqual({ PGPASSWORD: "pw" });
  expect(text(tarDirectoryCommand("/t/dump.d", "/t/dump"))).toBe("tar -cf /t/dump -C /t/dump.d .");
});
