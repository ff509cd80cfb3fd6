/** Type-checking is `tsc --noEmit` in `npm test`; jest only transpiles, which keeps a run fast. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": "ts-jest" },
  testTimeout: 60000,
  // A missing snapshot fails instead of being written: test/resources.compat.test.ts guards existing stacks.
  ci: true,
  // The Docker engine and the test images, once per run for both workers (test/helpers/dockerSetup.ts).
  globalSetup: "<rootDir>/test/helpers/dockerSetup.ts",
  globalTeardown: "<rootDir>/test/helpers/dockerTeardown.ts",
  // Two cores: most suites wait on real servers, so two workers overlap that waiting.
  maxWorkers: 2,
  // Each program test loads @pulumi/pulumi afresh (isolateModules); a worker reached 15 GiB RSS over a full run
  // (seen in a clean-clone run) on a 24 GiB machine. Recycling at 2 GB restarted workers so often that one restart
  // raced a test file's start (jest reported the worker SIGKILLed): recycle only a worker that nears the danger.
  workerIdleMemoryLimit: "8GB",
  reporters: ["default", "<rootDir>/test/helpers/summaryReporter.js"],
};
