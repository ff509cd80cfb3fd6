/**
 * What a config change does to the Docker resources: the program's registrations under mocks (inputs
 * and options) judged by pulumi-docker's replace/update rules (test/helpers/dockerSchema.ts).
 */
import { ProgramRun, Registration } from "../harness/program";
import { ADOPTION_IGNORES } from "../config/containerInputs";
import { declaredInputs, FORCE_NEW, NOT_APPLIED, UPDATED_IN_PLACE, verdict } from "./helpers/dockerSchema";
import { runStack } from "./helpers/program";

const TAGS = { web: "20240418", api: "20240418", worker: "20240418", baileys: "20240418" };
const DOCKER = /^docker:index\//;

/** The Docker registrations of a run, by resource name. */
function dockerResources(run: ProgramRun): Map<string, Registration> {
  return new Map(run.registrations.filter((r) => DOCKER.test(r.type)).map((r) => [r.name, r]));
}

/** Every Docker resource's verdict going from `a` to `b`, listing only those that are not "same". */
function verdicts(a: ProgramRun, b: ProgramRun): Record<string, string> {
  const [before, after] = [dockerResources(a), dockerResources(b)];
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  const out: Record<string, string> = {};
  for (const [name, r] of after) {
    const v = verdict(before.get(name)!, r);
    if (v.verdict !== "same") out[name] = `${v.verdict} (${v.changed.join(", ")})`;
  }
  return out;
}

let prod: ProgramRun;
beforeAll(async () => {
  prod = await runStack("prod");
});

test("every container input the stack sets is declared by the installed @pulumi/docker and has a known replace rule", () => {
  const declared = declaredInputs("container", "ContainerArgs");
  const rules = [...FORCE_NEW["docker:index/container:Container"], ...UPDATED_IN_PLACE, ...NOT_APPLIED];
  expect(rules.filter((k) => !declared.includes(k))).toEqual([]);
  expect(ADOPTION_IGNORES.filter((k) => !declared.includes(k))).toEqual([]);
  const set = new Set(
    [...dockerResources(prod).values()].filter((r) => r.type.endsWith("Container")).flatMap((r) => Object.keys(r.inputs)),
  );
  expect([...set].filter((k) => !rules.includes(k))).toEqual([]);
  expect(FORCE_NEW["docker:index/volume:Volume"].filter((k) => !declaredInputs("volume", "VolumeArgs").includes(k))).toEqual([]);
});

test("the gateway's auth volume: created by the stack, mounted by the baileys container, never deleted by Pulumi", () => {
  const volume = prod.registrations.find((r) => r.name === "spec1-volume-spec1-baileys-auth")!;
  expect(volume).toMatchObject({ type: "docker:index/volume:Volume", inputs: { name: "spec1-baileys-auth" } });
  expect(volume.options.retainOnDelete).toBe(true);
  const baileys = prod.byName("spec1-baileys");
  expect(baileys.inputs.mounts).toEqual([{ type: "volume", source: "spec1-baileys-auth", target: "/app/auth_info_baileys" }]);
  expect(prod.registrations.find((r) => r.name === "spec1-baileys")!.options.dependencies).toContain(volume.urn);
});

test("a new baileys tag replaces only the baileys container (and its image); the volume is untouched", async () => {
  const rolled = await runStack("prod", { config: { imageTags: { ...TAGS, baileys: "20240301" } } });
  expect(verdicts(prod, rolled)).toEqual({
    "spec1-baileys": "replace (image)",
    "spec1-baileys-image": "replace (name)",
  });
  const [before, after] = [prod, rolled].map((run) => run.registrations.find((r) => r.name === "spec1-volume-spec1-baileys-auth")!);
  expect(after).toEqual(before);
  // The replacement mounts the same volume: the sessions' credentials are still there.
  expect(rolled.byName("spec1-baileys").inputs.mounts).toEqual(prod.byName("spec1-baileys").inputs.mounts);
});

test("a healthcheck change replaces the container, since Docker cannot change a running container's healthcheck", async () => {
  const healthcheck = { test: ["CMD", "true"], intervalMs: 30000 };
  const withCheck = await runStack("prod", { config: { services: { api: { healthcheck } } } });
  const slower = await runStack("prod", { config: { services: { api: { healthcheck: { ...healthcheck, intervalMs: 60000 } } } } });
  expect(verdicts(withCheck, slower)).toEqual({ "spec1-api": "replace (healthcheck)" });
  const memory = await runStack("prod", { config: { services: { api: { healthcheck, memoryMb: 256 } } } });
  expect(verdicts(withCheck, memory)).toEqual({ "spec1-api": "update (memory)" });
});

describe("an adopted service keeps what the provider cannot read back until its image changes", () => {
  const adoption = { web: "registry/app-web:20240418", baileys: "registry/app-baileys:20240418" };
  let adopted: ProgramRun;
  beforeAll(async () => {
    adopted = await runStack("prod", { config: { adoption } });
  });

  test("the adopted containers ignore those changes; the others do not", () => {
    const ignores = (run: ProgramRun, name: string) => run.registrations.find((r) => r.name === name)!.options.ignoreChanges;
    expect(["spec1-web", "spec1-api", "spec1-worker", "spec1-baileys"].map((n) => ignores(adopted, n))).toEqual([
      [...ADOPTION_IGNORES].sort(),
      undefined,
      undefined,
      [...ADOPTION_IGNORES].sort(),
    ]);
  });

  test("a new baileys tag ends the window for baileys: its container is replaced with every setting of the stack", async () => {
    const rolled = await runStack("prod", { config: { adoption, imageTags: { ...TAGS, baileys: "20240301" } } });
    const after = rolled.registrations.find((r) => r.name === "spec1-baileys")!;
    expect(after.options.ignoreChanges).toBeUndefined();
    expect(verdicts(adopted, rolled)).toEqual({
      "spec1-baileys": "replace (image)",
      "spec1-baileys-image": "replace (name)",
    });
  });
});
