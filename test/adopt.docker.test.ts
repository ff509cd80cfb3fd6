/**
 * Adoption against real containers: four started on the local Docker engine as compose would, then
 * `npm run adopt` (the CLI) against them, then the program under mocks with the config it wrote. Every
 * registered container's inputs must equal the running container's settings, read here from
 * `docker inspect` (what the first `up` after `pulumi import` compares), the import file must name the
 * program's resources and the real IDs, the secret script must carry each secret, and no secret value
 * may appear in a written file or in the command's output.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { goDuration } from "../config/containerInputs";
import { cpusFromNanos } from "../config/containerSpec";
import { readStackConfig } from "../config/stackFile";
import type { ContainerInspect, ImageInspect } from "../adopt/docker";
import { ProgramRun, Props } from "../harness/program";
import { ComposeDeployment, SERVICES, startComposeDeployment } from "./helpers/composeDeployment";
import { plainText, runStack } from "./helpers/program";

const ROOT = path.resolve(__dirname, "..");
const SIG = "4dabf18193072939515e22adb298388d";

let deployment: ComposeDeployment;
let tmp: string;
let cli: { code: number | null; output: string };
let run: ProgramRun;
/** Secret values as the written script extracts them, by `pulumi config set` target. */
let extracted: Record<string, string>;

const inspectJson = <T>(kind: string, name: string): T =>
  JSON.parse(spawnSync("docker", [kind, "inspect", "--format", "{{json .}}", name], { encoding: "utf8" }).stdout) as T;
const unwrap = (v: any): any => (v && typeof v === "object" && SIG in v ? v.value : v);

function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/adopt.ts", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** Each line of set-secrets.sh run up to (not into) `pulumi config set`: the value it would pipe there. */
function extractSecrets(script: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of script.split("\n").filter((l) => l.includes("| pulumi config set"))) {
    const [producer, setter] = line.split(" | pulumi config set ");
    const target = /--path (\S+)/.exec(setter)?.[1] ?? /--secret (\S+)/.exec(setter)![1];
    const out = spawnSync("bash", ["-o", "pipefail", "-c", producer], { encoding: "utf8" });
    expect({ target, status: out.status }).toEqual({ target, status: 0 });
    values[target] = out.stdout.replace(/\n$/, "");
  }
  return values;
}

beforeAll(async () => {
  deployment = await startComposeDeployment();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-adopt-"));
  // The team's stack file as it is before adoption: its checks section must survive.
  fs.copyFileSync(path.join(ROOT, "Pulumi.prod.yaml"), path.join(tmp, "Pulumi.prod.yaml"));
  cli = await runCli([
    ...["--docker-host", "unix:///var/run/docker.sock", "--stack", "prod", "--compose-project", deployment.project],
    ...["--stack-dir", tmp, "--out", path.join(tmp, "out")],
  ]);
  expect({ code: cli.code, output: cli.output }).toEqual({ code: 0, output: expect.any(String) });
  extracted = extractSecrets(fs.readFileSync(path.join(tmp, "out", "set-secrets.sh"), "utf8"));
  const stackSecrets = Object.fromEntries(Object.entries(extracted).filter(([k]) => !k.includes(".")));
  const extra: Record<string, Record<string, string>> = {};
  for (const [k, v] of Object.entries(extracted).filter(([k]) => k.startsWith("serviceSecretEnv."))) {
    const [, service, name] = k.split(".");
    (extra[service] ??= {})[name] = v;
  }
  run = await runStack("prod", {
    config: readStackConfig("prod", tmp),
    secrets: { ...stackSecrets, serviceSecretEnv: JSON.stringify(extra) },
  });
}, 240_000);

afterAll(async () => {
  await deployment?.remove();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test("the secret script extracts every secret from the running containers, each into its own pulumi config key", () => {
  const s = deployment.secrets;
  expect(extracted).toEqual({
    databaseUrl: s.databaseUrl,
    redisUrl: s.redisUrl,
    s3AccessKeyId: s.s3AccessKeyId,
    s3SecretAccessKey: s.s3SecretAccessKey,
    gatewayToken: s.gatewayToken,
    "serviceSecretEnv.web.SESSION_SECRET": s.sessionSecret,
    "serviceSecretEnv.api.JWT_SECRET": s.jwtSecret,
  });
});

test("no secret value in the stack file, the import file, the secret script or the command's output", () => {
  const written = ["Pulumi.prod.yaml", "out/import.json", "out/set-secrets.sh"].map((f) => fs.readFileSync(path.join(tmp, f), "utf8"));
  for (const [label, text] of [...written.map((t, i) => [`file ${i}`, t]), ["output", cli.output]]) {
    for (const [name, secret] of Object.entries(deployment.secrets))
      expect({ label, name, leaked: text.includes(secret) }).toEqual({ label, name, leaked: false });
  }
  // The stack file kept what was there before adoption.
  expect(readStackConfig("prod", tmp).checks).toEqual({ runId: "1" });
});

/** What `docker inspect` says the container runs with, as pulumi-docker inputs (image defaults and compose's labels left out). */
function runningSettings(c: ContainerInspect, image: ImageInspect, network: string): Props {
  const differs = (a: unknown, b: unknown) => JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
  const h = c.Config.Healthcheck;
  const mib = (bytes: number) => bytes / (1024 * 1024);
  const aliases = (n: string) => (c.NetworkSettings.Networks[n].Aliases ?? []).filter((a) => a !== c.Id.slice(0, 12));
  const labels = Object.entries(c.Config.Labels ?? {})
    .filter(([k, v]) => !k.startsWith("com.docker.compose.") && image.Config.Labels?.[k] !== v)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));
  const mounts = c.Mounts.filter((m) => m.Type === "bind" || !/^[0-9a-f]{64}$/.test(m.Name ?? ""))
    .sort((a, b) => a.Destination.localeCompare(b.Destination))
    .map((m) => ({
      type: m.Type,
      source: m.Type === "volume" ? m.Name : m.Source,
      target: m.Destination,
      ...(m.RW ? {} : { readOnly: true }),
    }));
  const settings: Props = {
    name: c.Name.slice(1),
    restart: c.HostConfig.RestartPolicy.Name,
    envs: (c.Config.Env ?? []).filter((e) => !(image.Config.Env ?? []).includes(e)).sort(),
    ports: Object.entries(c.HostConfig.PortBindings ?? {})
      .flatMap(([k, bs]) =>
        (bs ?? []).map((b) => ({ internal: Number(k.split("/")[0]), external: Number(b.HostPort), ip: b.HostIp || "0.0.0.0" })),
      )
      .sort((a, b) => a.internal - b.internal),
    networksAdvanced: [
      network,
      ...Object.keys(c.NetworkSettings.Networks)
        .filter((n) => n !== network)
        .sort(),
    ].map((name) => ({
      name,
      aliases: aliases(name),
    })),
    mounts: mounts.length > 0 ? mounts : undefined,
    healthcheck:
      h && differs(h, image.Config.Healthcheck)
        ? {
            tests: h.Test,
            interval: goDuration((h.Interval ?? 0) / 1e6),
            timeout: goDuration((h.Timeout ?? 0) / 1e6),
            startPeriod: goDuration((h.StartPeriod ?? 0) / 1e6),
            retries: h.Retries ?? 0,
          }
        : undefined,
    command:
      (c.Config.Cmd?.length ?? 0) > 0 && (differs(c.Config.Cmd, image.Config.Cmd) || differs(c.Config.Entrypoint, image.Config.Entrypoint))
        ? c.Config.Cmd
        : undefined,
    entrypoints: differs(c.Config.Entrypoint, image.Config.Entrypoint) ? c.Config.Entrypoint : undefined,
    labels: labels.length > 0 ? labels : undefined,
    logDriver: c.HostConfig.LogConfig.Type,
    logOpts: Object.keys(c.HostConfig.LogConfig.Config ?? {}).length > 0 ? c.HostConfig.LogConfig.Config : undefined,
    stopSignal: c.Config.StopSignal !== image.Config.StopSignal ? c.Config.StopSignal : undefined,
    stopTimeout: c.Config.StopTimeout ?? undefined,
    memory: c.HostConfig.Memory > 0 ? mib(c.HostConfig.Memory) : undefined,
    memorySwap: c.HostConfig.Memory > 0 && c.HostConfig.MemorySwap !== 0 ? mib(c.HostConfig.MemorySwap) : undefined,
    cpus: c.HostConfig.NanoCpus > 0 ? cpusFromNanos(BigInt(c.HostConfig.NanoCpus)) : undefined,
    user: c.Config.User && c.Config.User !== image.Config.User ? c.Config.User : undefined,
  };
  return JSON.parse(JSON.stringify(settings));
}

test.each(SERVICES)("%s: every registered container input equals the running container's setting", (service) => {
  const c = inspectJson<ContainerInspect>("container", deployment.containerNames[service]);
  const image = inspectJson<ImageInspect>("image", c.Image);
  const registered = run.byName(`spec1-${service}`).inputs;
  const { image: digest, envs, ...rest } = registered;
  expect(digest).toBe(run.byName(`spec1-${service}-image`).state.repoDigest);
  expect(run.byName(`spec1-${service}-image`).inputs.name).toBe(c.Config.Image);
  // The registered env is secret as a whole; inside it, the very values the container runs with.
  expect({ ...rest, envs: [...unwrap(envs)].sort() }).toEqual(runningSettings(c, image, deployment.network));
});

test("the adopted services ignore, until their image changes, what the provider cannot read back", () => {
  for (const service of SERVICES) {
    const options = run.registrations.find((r) => r.name === `spec1-${service}`)!.options;
    expect(options.ignoreChanges).toEqual(expect.arrayContaining(["envs", "labels", "mounts", "image"]));
  }
});

test("the network and the volume are the running ones, with their labels; the volume is never deleted by Pulumi", () => {
  const network = inspectJson<{ Labels: Record<string, string> }>("network", deployment.network);
  expect(run.byName("spec1-network").inputs).toEqual({
    name: deployment.network,
    labels: Object.entries(network.Labels)
      .sort()
      .map(([label, value]) => ({ label, value })),
  });
  const volume = run.registrations.find((r) => r.name === `spec1-volume-${deployment.volume}`)!;
  const labels = inspectJson<{ Labels: Record<string, string> }>("volume", deployment.volume).Labels;
  expect(volume.inputs).toEqual({
    name: deployment.volume,
    labels: Object.entries(labels)
      .sort()
      .map(([label, value]) => ({ label, value })),
  });
  expect(volume.options.retainOnDelete).toBe(true);
});

test("the import file names the program's resources (same URNs) and the running objects' import IDs", () => {
  const file = JSON.parse(fs.readFileSync(path.join(tmp, "out", "import.json"), "utf8"));
  const urns = new Set(run.registrations.map((r) => r.urn));
  for (const urn of Object.values<string>(file.nameTable)) expect(urns.has(urn)).toBe(true);
  const ids = Object.fromEntries(file.resources.map((r: Props) => [r.name, r.id]));
  expect(ids).toEqual({
    "spec1-network": inspectJson<{ Id: string }>("network", deployment.network).Id,
    [`spec1-volume-${deployment.volume}`]: deployment.volume,
    ...Object.fromEntries(SERVICES.map((s) => [`spec1-${s}`, inspectJson<{ Id: string }>("container", deployment.containerNames[s]).Id])),
  });
  for (const r of file.resources) {
    const parent = file.nameTable[r.parent];
    const urn = `${parent.replace(/::[^:]+$/, "")}$${r.type}::${r.name}`;
    expect({ name: r.name, registered: urns.has(urn) }).toEqual({ name: r.name, registered: true });
  }
});

test("no secret in plain text in any registered input", () => {
  const text = plainText(run.resources.map((r) => r.inputs));
  for (const [name, secret] of Object.entries(deployment.secrets))
    expect({ name, leaked: text.includes(secret) }).toEqual({ name, leaked: false });
});

test("no container of that compose project: the command stops before writing anything, saying how to name them", async () => {
  const out = path.join(tmp, "out-missing");
  const missing = await runCli([
    "--docker-host",
    "unix:///var/run/docker.sock",
    "--stack",
    "prod",
    "--compose-project",
    "no-such-project",
    "--stack-dir",
    tmp,
    "--out",
    out,
  ]);
  expect(missing.code).toBe(1);
  expect(missing.output).toContain(
    "adopt: web: no containers labelled com.docker.compose.service=web on unix:///var/run/docker.sock (found: none); name it with --container web=<name>\n",
  );
  expect(fs.existsSync(out)).toBe(false);
});
