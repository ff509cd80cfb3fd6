import * as pulumi from "@pulumi/pulumi";
import { pollUntil } from "../lib/poll";
import { ProviderHost, startProviderHost, stripSecrets } from "../harness/providerHost";
import { Echo } from "./fixtures/echoProvider";

let host: ProviderHost;
const captured: Record<string, Record<string, unknown>> = {};

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    { newResource: (a) => ((captured[a.name] = a.inputs), { id: `${a.name}-id`, state: a.inputs }), call: (a) => a.inputs },
    "spec1",
    "test",
  );
  const ok = new Echo("echo-ok", { text: "hello world", token: pulumi.secret("TOKEN-SECRET-123") });
  const bad = new Echo("echo-bad", { text: "x", token: pulumi.secret("t"), fail: "by request" });
  await new Promise<void>((resolve) => pulumi.all([ok.urn, bad.urn]).apply(() => resolve()));
  host = await startProviderHost();
});
afterAll(() => host?.stop());

test("serializes the provider with the project function it uses, and no secret", () => {
  const provider = String(captured["echo-ok"].__provider);
  expect(provider).toMatch(/^exports\.handler = __f0;/);
  expect(provider).toContain("function /*excerpt*/");
  expect(provider).not.toContain("TOKEN-SECRET-123");
});

test("create runs inside the host with secrets unwrapped, and reports provider errors with their message", async () => {
  const { id, outs } = await host.create("echo-ok", captured["echo-ok"]);
  expect(id).toBe("echo-1");
  expect(outs.text).toBe("hello…");
  expect(outs.tokenHash).toHaveLength(8);
  // The log line comes on the host's stdout, which may arrive after the gRPC answer: wait for it, bounded.
  const logged = () => host.output().includes("echo creating hello world");
  await pollUntil(async () => (logged() ? { done: true, value: undefined } : { done: false, seen: JSON.stringify(host.output()) }), {
    what: "the provider's log line",
    deadlineMs: 2000,
    intervalMs: 10,
  });
  expect(host.output()).toContain("echo creating hello world");
  await expect(host.create("echo-bad", captured["echo-bad"])).rejects.toThrow("echo refused: by request");
});

test("diff goes through the provider: same input no change, new input a replace", async () => {
  const inputs = captured["echo-ok"];
  expect(await host.diff("echo-ok", "echo-1", { text: "hello…" }, inputs)).toMatchObject({ changes: "none" });
  expect(await host.diff("echo-ok", "echo-1", { text: "other" }, inputs)).toEqual({
    changes: "some",
    replaces: ["text"],
    deleteBeforeReplace: false,
  });
});

test("stripSecrets unwraps nested secret values as the engine does", () => {
  const sig = "4dabf18193072939515e22adb298388d";
  const wrapped = {
    a: { [sig]: "1b47061264138c4ac30d75fd1eb44270", value: "s" },
    b: [{ [sig]: "1b47061264138c4ac30d75fd1eb44270", value: 2 }],
  };
  expect(stripSecrets(wrapped)).toEqual({ a: "s", b: [2] });
});
