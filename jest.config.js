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
  reporters: ["default", "<rootDir>/test/helpers/summaryReporter.js"],
};
