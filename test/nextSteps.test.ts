import { explainFailure, NEXT_STEPS, withNextSteps, withoutNextSteps } from "../notify/nextSteps";

test("a failure ends with its procedure's next steps, once", () => {
  const text = withNextSteps("restore failed: 0 users", "restore");
  expect(text).toBe(["restore failed: 0 users", "What to do next:", ...NEXT_STEPS.restore.map((s) => `  - ${s}`)].join("\n"));
  expect(withNextSteps(text, "restore")).toBe(text);
  expect(withoutNextSteps(text)).toBe("restore failed: 0 users");
  expect(withoutNextSteps("no steps here")).toBe("no steps here");
});

test("explainFailure rethrows redacted, with the next steps; a success passes through", async () => {
  await expect(explainFailure("drill", ["tok-9999"], async () => Promise.reject(new Error("401 for tok-9999")))).rejects.toThrow(
    new Error(withNextSteps("401 for [redacted]", "drill")),
  );
  expect(await explainFailure("drill", [], async () => 42)).toBe(42);
});
