/**
 * What dynamic resources store as code, and how stacks written by an earlier version keep working:
 * - compact: a resource stores a forwarder (providers/kit.ts) of under 2 KiB, the same for every session;
 * - stable: every provider key version 1 issued resolves, through providers/host/v1.js, to the methods
 *   its forwarder names, and the stored code names nothing of the project but that entry point;
 * - upgrade: state written by release 1 (its serialized providers, captured from commit f5467c6 in
 *   test/fixtures/providers-release-1.json) diffs as "no change" against this version's inputs and
 *   destroys with the code it stores — each through Pulumi's provider host, against real servers.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { destroy } from "../harness/engine";
import { Props } from "../harness/program";
import { ProviderHost, startProviderHost } from "../harness/providerHost";
import { PROVIDER_KEYS, providerFor } from "../providers/registry";
import { startRedis } from "../sim/services/redis";
import { startApi } from "../sim/standins/api";
import { startGateway } from "../sim/standins/gateway";
import { CHECKS, captureChecks, checkResource } from "./helpers/checks";
import { drillConfig, startDrillWorld, upDrill } from "./helpers/drillStack";
import { runStack, TEST_SECRETS } from "./helpers/program";
import { BUCKET, POSTGRES_RESOURCE, RESTORE_RESOURCE, startRestoreWorld, upRestore } from "./helpers/restoreStack";
import { uploadNewestBackup } from "../sim/fixtures/backups";

/** The keys version 1 of providers/host/v1.js issued: stacks hold them, so each must keep resolving. */
const V1_KEYS = [
  "checks:ApiHealthCheck",
  "checks:WebConsoleCheck",
  "checks:SendRateCheck",
  "checks:QueuesCheck",
  "checks:QrPathCheck",
  "drill:QueuePause",
  "drill:SessionRelogin",
  "drill:QueueResume",
  "drill:TestMessage",
  "drill:DrillOutcome",
  "restore:DisposablePostgres",
  "restore:RestoreRun",
  "rollback:RollbackNotice",
];

const RELEASE_1: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures/providers-release-1.json"), "utf8"));

/** The host, with every check and create given release 1's provider code for its resource: what a release-1 stack ran. */
function asRelease1(host: ProviderHost): ProviderHost {
  const code = (name: string) => RELEASE_1[name.startsWith("spec1-drill-relogin-") ? "spec1-drill-relogin" : name];
  // A resource release 1 did not have (the restore's BackupDownload) is created by this version, as the first
  // up after the upgrade would; every other one runs release 1's stored code.
  const newSince = ["spec1-restore-download"];
  const swap = (name: string, props: Props) => ({
    ...props,
    __provider: code(name) ?? (newSince.includes(name) ? props.__provider : `no release-1 code for ${name}`),
  });
  return {
    ...host,
    check: (name, olds, news) => host.check(name, olds, swap(name, news)),
    create: (name, props) => host.create(name, swap(name, props)),
  };
}

/** The methods a stored forwarder names: `var __provider = {diff: __f1, create: __f2};`. */
function forwardedMethods(code: string): string[] {
  const object = /var __provider = \{([^}]*)\}/.exec(code)?.[1] ?? "";
  return object
    .split(",")
    .map((entry) => entry.split(":")[0].trim())
    .filter(Boolean)
    .sort();
}

const keyOf = (type: string) => type.replace(/^pulumi-nodejs:dynamic\//, "");

describe("compact and stable", () => {
  let stored: { type: string; name: string; code: string }[];
  beforeAll(async () => {
    const runs = [
      await runStack("prod"),
      await runStack("drill", {
        config: {
          drill: {
            queues: ["outbound"],
            sessions: ["s-1", "s-2", "s-3", "s-4", "s-5"],
            testMessage: { chatId: "c", confirmUrl: "http://127.0.0.1:9/m" },
          },
        },
        secrets: { ...TEST_SECRETS, notifyWebhookUrl: "http://127.0.0.1:9/h" },
      }),
    ];
    stored = runs.flatMap((run) =>
      run.resources.filter((r) => r.inputs.__provider).map((r) => ({ type: r.type, name: r.name, code: String(r.inputs.__provider) })),
    );
  });

  test("every resource stores under 2 KiB of code, the same for each drilled session", () => {
    expect(stored.length).toBeGreaterThan(10);
    for (const r of stored) expect({ name: r.name, bytes: Buffer.byteLength(r.code) < 2048 }).toEqual({ name: r.name, bytes: true });
    const relogins = stored.filter((r) => r.name.startsWith("spec1-drill-relogin-"));
    expect(relogins).toHaveLength(5);
    expect(new Set(relogins.map((r) => r.code)).size).toBe(1);
  });

  test("the stored code names nothing of the project but the versioned entry point", () => {
    for (const r of stored) {
      const requires = r.code.split("require(").length - 1;
      expect(requires).toBe(forwardedMethods(r.code).length);
      expect(r.code.split("require(`${process.cwd()}/providers/host/v1.js`)").length - 1).toBe(requires);
      expect(r.code).toContain(`key: "${keyOf(r.type)}"`);
    }
  });

  test("every key version 1 issued resolves to the methods its forwarders name", () => {
    expect(PROVIDER_KEYS).toEqual(expect.arrayContaining(V1_KEYS));
    for (const r of stored) {
      expect(V1_KEYS).toContain(keyOf(r.type));
      const provider = providerFor(keyOf(r.type)) as unknown as Record<string, unknown>;
      for (const method of forwardedMethods(r.code))
        expect({ key: keyOf(r.type), method, type: typeof provider[method] }).toEqual({ key: keyOf(r.type), method, type: "function" });
    }
    expect(() => providerFor("checks:Gone")).toThrow(
      "no provider checks:Gone in this version of spec1-ops (providers/registry.ts knows checks:ApiHealthCheck,",
    );
  });
});

describe("a stack written by release 1, after the upgrade", () => {
  test("its checks and rollback notice: no change on diff, and they destroy", async () => {
    const [api, gateway, redis, host] = await Promise.all([
      startApi(),
      startGateway({
        token: TEST_SECRETS.gatewayToken,
        sessions: [{ id: "canary", status: "close" }],
        faults: { successPerMinute: 60000, scanAfterMs: 20 },
      }),
      startRedis(),
      startProviderHost(),
    ]);
    try {
      const fast = { intervalMs: 50, deadlineMs: 5000, requestTimeoutMs: 2000 };
      const overrides: Record<string, Props> = {
        "api-health": { ...fast, url: api.healthUrl },
        "web-console": { ...fast, url: api.webUrl },
        "send-rate": { metricsUrl: gateway.metricsUrl, windowMs: 300, deadlineMs: 5000, requestTimeoutMs: 2000 },
        queues: { redisUrl: redis.url, names: ["outbound"], intervalMs: 50, deadlineMs: 2000, connectTimeoutMs: 2000 },
        "qr-path": { httpUrl: gateway.httpUrl, wsUrl: gateway.wsUrl, attemptTimeoutMs: 2000, deadlineMs: 5000, requestTimeoutMs: 2000 },
      };
      const current = await captureChecks();
      const old = asRelease1(host);
      for (const check of CHECKS) {
        const name = checkResource(check);
        const news = { ...current[check], ...overrides[check] };
        const { id, outs } = await old.create(name, news);
        expect(outs.__provider).toBe(RELEASE_1[name]);
        expect([check, (await host.diff(name, id, outs, news)).changes]).toEqual([check, "none"]);
        await host.delete(name, id, outs);
      }
      const notice = (await runStack("prod")).byName("spec1-rollback-notice").inputs;
      const { id, outs } = await old.create("spec1-rollback-notice", notice);
      expect((await host.diff("spec1-rollback-notice", id, outs, notice)).changes).toBe("none");
      await host.delete("spec1-rollback-notice", id, outs);
    } finally {
      await Promise.allSettled([api.stop(), gateway.stop(), redis.stop(), host.stop()]);
    }
  });

  test("its drill: no change on diff, and it destroys", async () => {
    const [world, host] = await Promise.all([startDrillWorld(), startProviderHost({ stack: "drill" })]);
    try {
      world.gateway.set({ scanAfterMs: 20 });
      const drill = await upDrill(asRelease1(host), drillConfig(world, "release-1"), world.secrets);
      expect(drill.steps.filter((s) => s.error)).toEqual([]);
      for (const step of drill.steps) {
        const news = { ...step.inputs, __provider: drill.program!.byName(step.name).inputs.__provider };
        expect(step.outs!.__provider).toBe(RELEASE_1[step.name.startsWith("spec1-drill-relogin-") ? "spec1-drill-relogin" : step.name]);
        expect([step.name, (await host.diff(step.name, step.id!, step.outs!, news)).changes]).toEqual([step.name, "none"]);
        await host.delete(step.name, step.id!, step.outs!);
      }
    } finally {
      await host.stop();
      await world.stop();
    }
  });

  test("its restore test: no change on diff, and destroy stops the server it started", async () => {
    const world = await startRestoreWorld(["custom"]);
    try {
      const client = world.s3.client();
      await uploadNewestBackup(client, BUCKET, "spec-1/2026-11-27T02-00-00Z.dump", world.dumps.custom, "matching");
      client.destroy();
      const up = await upRestore(world, "spec-1/", undefined, undefined, asRelease1(world.host));
      expect(up.restored().report).toMatchObject({ status: "passed" });
      const current = await runStack("restore", {
        config: world.config("spec-1/"),
        secrets: { s3AccessKeyId: "S3RVER", s3SecretAccessKey: "S3RVER" },
      });
      for (const name of [POSTGRES_RESOURCE, RESTORE_RESOURCE]) {
        const deployed = up.state.get(name)!;
        expect(deployed.outs.__provider).toBe(RELEASE_1[name]);
        const news = { ...deployed.inputs, __provider: current.byName(name).inputs.__provider };
        expect([name, (await world.host.diff(name, deployed.id, deployed.outs, news)).changes]).toEqual([name, "none"]);
      }
      await destroy(world.host, up.state);
      const refused = await new Promise((resolve) =>
        net
          .connect(up.server.port, "127.0.0.1")
          .once("connect", () => resolve(false))
          .once("error", () => resolve(true)),
      );
      expect(refused).toBe(true);
    } finally {
      await world.stop();
    }
  });
});
