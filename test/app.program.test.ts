import { ProgramRun } from "../harness/program";
import { plainText, programError, runStack, TEST_SECRETS } from "./helpers/program";

const SERVICES = ["web", "api", "worker", "baileys"];

describe("app stack (prod config)", () => {
  test("registers one pinned image and one container per service, with exactly the configured tags", async () => {
    const run = await runStack("prod");
    for (const s of SERVICES) {
      const image = run.byName(`spec1-${s}-image`);
      expect(image.type).toBe("docker:index/remoteImage:RemoteImage");
      expect(image.inputs.name).toBe(`registry/app-${s}:20240418`);
      const container = run.byName(`spec1-${s}`);
      expect(container.type).toBe("docker:index/container:Container");
      expect(container.inputs.image).toBe(image.state.repoDigest);
      expect(container.inputs.restart).toBe("unless-stopped");
      expect(container.inputs.networksAdvanced).toEqual([{ name: "spec1", aliases: [s] }]);
    }
    expect(run.resources.filter((r) => r.type === "docker:index/container:Container")).toHaveLength(4);
    expect(run.byName("spec1-docker").inputs.host).toBe("ssh://deploy@app-host");
  });

  test("exports, per service, the reference asked for and the digest running", async () => {
    const run = await runStack("prod", {
      config: { imageTags: { web: "1.0", api: "20240418@sha256:" + "a".repeat(64), worker: "w_2", baileys: "b-3" } },
    });
    expect(run.outputs.images.web.reference).toBe("registry/app-web:1.0");
    expect(run.outputs.images.api.reference).toBe(`registry/app-api:20240418@sha256:${"a".repeat(64)}`);
    expect(run.outputs.images.api.digest).toBe(run.byName("spec1-api-image").state.repoDigest);
    expect(run.outputs.images.api.digest).toMatch(/^registry\/app-api@sha256:[a-f0-9]{64}$/);
  });

  test("a repository override replaces <registry>/app-<service> for that service only", async () => {
    const run = await runStack("prod", { config: { imageRepositories: { baileys: "ghcr.io/acme/gateway" } } });
    expect(run.byName("spec1-baileys-image").inputs.name).toBe("ghcr.io/acme/gateway:20240418");
    expect(run.byName("spec1-api-image").inputs.name).toBe("registry/app-api:20240418");
  });

  test("a tag stored as a number by `config set --path` is read as that tag", async () => {
    const run = await runStack("prod", { config: { imageTags: { web: 20240418, api: 20240418, worker: 20240418, baileys: 20240418 } } });
    expect(run.byName("spec1-web-image").inputs.name).toBe("registry/app-web:20240418");
  });

  test("per-service env and published ports reach the container", async () => {
    const run = await runStack("prod", {
      config: { services: { api: { env: { LOG_LEVEL: "debug" }, ports: [{ internal: 8080, external: 18080, ip: "127.0.0.1" }] } } },
    });
    const api = run.byName("spec1-api");
    expect(api.inputs.ports).toEqual([{ internal: 8080, external: 18080, ip: "127.0.0.1" }]);
    expect(run.byName("spec1-baileys").inputs.ports.map((p: { external: number }) => p.external)).toEqual([4001, 4002]);
    // envs is secret as a whole (it carries secrets), so look inside the wrapper.
    expect(JSON.stringify(api.inputs.envs)).toContain("LOG_LEVEL=debug");
  });
});

describe("bad config fails before any resource, naming the key and the fix", () => {
  const tags = { web: "20240418", api: "20240418", worker: "20240418", baileys: "20240418" };
  const cases: [string, Record<string, unknown>, string][] = [
    ["latest", { imageTags: { ...tags, api: "latest" } }, 'imageTags.api: "latest" is not a pinned tag; set e.g. 20240418'],
    ["latest with digest", { imageTags: { ...tags, web: "latest@sha256:" + "b".repeat(64) } }, 'imageTags.web: "latest@sha256:'],
    ["empty tag", { imageTags: { ...tags, worker: "" } }, "imageTags.worker: no tag is set; set e.g. 20240418"],
    ["missing service", { imageTags: { web: "1", api: "1", worker: "1" } }, "imageTags.baileys: no tag is set; set e.g. 20240418"],
    [
      "unknown service",
      { imageTags: { ...tags, admin: "1" } },
      "imageTags.admin: is not a service of this stack; use only web, api, worker, baileys",
    ],
    ["tag grammar", { imageTags: { ...tags, api: "-bad tag" } }, 'imageTags.api: "-bad tag" is not a valid Docker tag'],
    ["tag too long", { imageTags: { ...tags, api: "a".repeat(129) } }, "is not a valid Docker tag"],
    ["bad digest", { imageTags: { ...tags, api: "1.0@sha256:abc" } }, 'imageTags.api: "1.0@sha256:abc" is not a valid Docker tag'],
    ["no imageTags", { imageTags: undefined }, "imageTags: is missing or not an object; set all of web, api, worker, baileys"],
    ["no registry", { registry: undefined }, "registry: is not set; set e.g."],
    ["bad registry", { registry: "Not A Registry" }, 'registry: "Not A Registry" is not a registry host or path'],
    ["unknown role", { role: "backup" }, 'role: "backup" is not one of app, restore, drill'],
    [
      "bad port",
      { services: { api: { ports: [{ internal: 0, external: 4000 }] } } },
      "services.api.ports[0].internal: 0 is not a port 1–65535",
    ],
    [
      "unknown service setting",
      { services: { api: { enviroment: {} } } },
      "services.api.enviroment: is not a known key; use one of containerName, env, ports, restart, volumes, healthcheck, command",
    ],
  ];
  test.each(cases)("%s", async (_label, config, message) => {
    const msg = await programError("prod", { config });
    expect(msg).toContain(message);
  });

  test("a missing secret names the key and the command that sets it", async () => {
    const { gatewayToken: _omit, ...rest } = TEST_SECRETS;
    const msg = await programError("prod", { secrets: rest });
    expect(msg).toContain("spec1:gatewayToken");
    expect(msg).toContain("pulumi config set --secret");
  });

  test("no resource is registered when config is bad", async () => {
    const registered: string[] = [];
    await jest.isolateModulesAsync(async () => {
      const pulumi = require("@pulumi/pulumi");
      const { runProgram } = require("../harness/program");
      const origSetMocks = pulumi.runtime.setMocks;
      pulumi.runtime.setMocks = (mocks: { newResource: (a: { name: string }) => unknown }, ...rest: unknown[]) =>
        origSetMocks({ ...mocks, newResource: (a: { name: string }) => (registered.push(a.name), mocks.newResource(a)) }, ...rest);
      const run = runProgram(pulumi, async () => require("../index"), {
        stack: "prod",
        config: { registry: "registry", imageTags: { ...tags, api: "latest" } },
        secrets: TEST_SECRETS,
      });
      await expect(run).rejects.toThrow("imageTags.api");
    });
    expect(registered).toEqual([]);
  });
});

describe("rollback, post-deploy checks and secrets: one run of the prod stack as deployed, compared with changed ones", () => {
  const CHECKS = ["api-health", "web-console", "send-rate", "queues", "qr-path"].map((c) => `spec1-checks-${c}`);
  let before: ProgramRun, newApi: ProgramRun, bumped: ProgramRun;
  beforeAll(async () => {
    before = await runStack("prod");
    newApi = await runStack("prod", {
      config: { imageTags: { web: "20240418", api: "20240301", worker: "20240418", baileys: "20240418" } },
    });
    bumped = await runStack("prod", { config: { checks: { runId: "2" } } });
  });

  test("rolling back the api changes only its image, its container, its health check and the rollback notice", () => {
    expect(newApi.resources.map((r) => r.name).sort()).toEqual(before.resources.map((r) => r.name).sort());
    const changed = newApi.resources
      .filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.byName(r.name).inputs))
      .map((r) => r.name)
      .sort();
    // The api's container and image, the one post-deploy check that verifies the api image, and the
    // rollback notice, which announces the change.
    expect(changed).toEqual(["spec1-api", "spec1-api-image", "spec1-checks-api-health", "spec1-rollback-notice"]);
    expect(newApi.byName("spec1-api-image").inputs.name).toBe("registry/app-api:20240301");
  });
  /** Per check, the input keys whose values differ between two runs. */
  const changedKeys = (a: ProgramRun, b: ProgramRun) =>
    Object.fromEntries(
      CHECKS.map((name) => {
        const [x, y] = [a.byName(name).inputs, b.byName(name).inputs];
        return [name, Object.keys({ ...x, ...y }).filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]))];
      }),
    );

  test("each check carries the digest of exactly the image(s) it verifies", () => {
    const digest = (s: string) => before.byName(`spec1-${s}-image`).state.repoDigest;
    expect(CHECKS.map((c) => before.byName(c).inputs.images)).toEqual([
      { api: digest("api") },
      { web: digest("web") },
      { baileys: digest("baileys") },
      { worker: digest("worker") },
      { baileys: digest("baileys") },
    ]);
  });

  test("a new api digest changes only the api health check's digest", () => {
    expect(changedKeys(before, newApi)).toEqual({
      "spec1-checks-api-health": ["images"],
      "spec1-checks-web-console": [],
      "spec1-checks-send-rate": [],
      "spec1-checks-queues": [],
      "spec1-checks-qr-path": [],
    });
  });

  test("a runId bump changes every check's runId and, in the notice, only the run it waits for (its diff looks at images only)", () => {
    expect(changedKeys(before, bumped)).toEqual(Object.fromEntries(CHECKS.map((c) => [c, ["runId"]])));
    const otherChanges = bumped.resources.filter(
      (r) => !CHECKS.includes(r.name) && JSON.stringify(r.inputs) !== JSON.stringify(before.byName(r.name).inputs),
    );
    expect(otherChanges.map((r) => r.name)).toEqual(["spec1-rollback-notice"]);
    const [was, now] = [before, bumped].map((run) => run.byName("spec1-rollback-notice").inputs);
    expect({ ...now, __provider: undefined, watch: { ...now.watch, runId: "1" } }).toEqual({ ...was, __provider: undefined });
    expect(now.watch.runId).toBe("2");
  });

  test("no secret in plain text in any check's inputs or serialized provider; the secrets they need arrive wrapped", () => {
    for (const name of CHECKS) {
      const { inputs } = before.byName(name);
      for (const [key, value] of Object.entries(TEST_SECRETS)) {
        expect({ name, key, leaked: plainText(inputs).includes(value) || String(inputs.__provider).includes(value) }).toEqual({
          name,
          key,
          leaked: false,
        });
      }
    }
    expect(JSON.stringify(before.byName("spec1-checks-queues").inputs.redisUrl)).toContain(TEST_SECRETS.redisUrl);
    expect(JSON.stringify(before.byName("spec1-checks-qr-path").inputs.gatewayToken)).toContain(TEST_SECRETS.gatewayToken);
    expect(JSON.stringify(before.byName("spec1-checks-send-rate").inputs.gatewayToken)).toContain(TEST_SECRETS.gatewayToken);
  });

  test("no configured secret appears in plain text in any registered input or stack output", () => {
    const text = plainText(before.resources.map((r) => r.inputs)) + plainText(before.outputs);
    for (const [key, value] of Object.entries(TEST_SECRETS)) {
      expect({ key, leaked: text.includes(value) }).toEqual({ key, leaked: false });
    }
    // ... while the secrets did reach the containers, wrapped.
    expect(JSON.stringify(before.byName("spec1-worker").inputs.envs)).toContain(TEST_SECRETS.s3SecretAccessKey);
  });
});
