// The project's layers, enforced (docs/architecture.md): each folder may import only the ones below it.
// `npm test` runs this; test/layers.test.ts shows that breaking a layer fails it, and checks for import cycles
// (type-only imports included, which ESLint plugins skip).
import tseslint from "typescript-eslint";

const PULUMI = {
  group: ["@pulumi/*"],
  message:
    "only components/, providers/, config/index.ts and the harness talk to Pulumi: keep this module Pulumi-free and let a provider call it",
};
const HARNESS = {
  group: ["**/harness/*", "**/harness"],
  message: "the Pulumi harness (program under mocks, provider host) is for test/, rehearsal/ and bench/ only",
};
const SIM = {
  group: ["**/sim/**"],
  message: "the simulated SPEC-1 (stand-ins, local servers, fixtures) is for test/, rehearsal/ and bench/ only",
};
const TOOLS = {
  group: ["**/test/**", "**/rehearsal/**", "**/bench/**"],
  message: "product code never imports tests, the rehearsal or benchmarks",
};
const PROVIDERS = {
  group: ["**/providers/**", "**/components/**"],
  message: "procedures (checks/, drill/, restore/, notify/) are called by providers, never the other way round",
};
const PROCEDURES = {
  group: [
    "**/checks/**",
    "**/drill/**",
    "**/restore/**",
    "**/notify/**",
    "**/adopt/**",
    "**/providers/**",
    "**/components/**",
    "**/config/**",
  ],
  message: "lib/ is the bottom layer: it imports nothing of the project's but lib/",
};
const ABOVE_CONFIG = {
  group: ["**/checks/**", "**/drill/**", "**/restore/**", "**/notify/**", "**/adopt/**", "**/providers/**", "**/components/**"],
  message: "config/ reads and validates settings; it imports only lib/ and config/",
};

const restrict = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

export default tseslint.config(
  { ignores: ["node_modules/**", "reports/**", ".rehearsal/**", "**/*.js", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: "module" } },
  },
  { files: ["lib/**/*.ts"], rules: restrict(PULUMI, HARNESS, SIM, TOOLS, PROCEDURES) },
  { files: ["config/**/*.ts"], ignores: ["config/index.ts"], rules: restrict(PULUMI, HARNESS, SIM, TOOLS, ABOVE_CONFIG) },
  { files: ["config/index.ts"], rules: restrict(HARNESS, SIM, TOOLS, ABOVE_CONFIG) },
  {
    files: ["checks/**/*.ts", "drill/**/*.ts", "restore/**/*.ts", "notify/**/*.ts", "adopt/**/*.ts", "scripts/**/*.ts"],
    rules: restrict(PULUMI, HARNESS, SIM, TOOLS, PROVIDERS),
  },
  { files: ["index.ts", "components/**/*.ts", "providers/**/*.ts"], rules: restrict(HARNESS, SIM, TOOLS) },
  { files: ["sim/**/*.ts"], rules: restrict(PULUMI, HARNESS, TOOLS) },
  { files: ["harness/**/*.ts"], rules: restrict(SIM, TOOLS) },
  { files: ["rehearsal/**/*.ts", "bench/**/*.ts"], rules: restrict(PULUMI) },
);
