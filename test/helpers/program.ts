/**
 * The one shared helper for program tests: runs index.ts under Pulumi mocks in a fresh module registry
 * (so each run sees only its own config) and returns what it registered.
 */
import { ProgramRun, Props, runProgram } from "../../harness/program";
import { readStackConfig } from "../../config/stackFile";
import { withFreshModules } from "./isolated";

/** Values no test config uses elsewhere, so a search for them finds only leaks. */
export const TEST_SECRETS: Readonly<Record<string, string>> = {
  databaseUrl: "postgres://spec1:SECRET-db-pass-7f3a@db:5432/spec1",
  redisUrl: "redis://:SECRET-redis-pass-91c2@redis:6379/0",
  s3AccessKeyId: "SECRET-s3-access-key-5d10",
  s3SecretAccessKey: "SECRET-s3-secret-key-e84b",
  gatewayToken: "SECRET-gateway-token-2b6f",
};

export interface StackRunOptions {
  /** Config merged over the stack file's (top-level keys replace). */
  readonly config?: Props;
  readonly secrets?: Record<string, string>;
  readonly preview?: boolean;
}

export async function runStack(stack: string, opts: StackRunOptions = {}): Promise<ProgramRun> {
  let run: ProgramRun | undefined;
  await withFreshModules(async () => {
    const pulumi = require("@pulumi/pulumi");
    run = await runProgram(pulumi, async () => require("../../index"), {
      stack,
      config: { ...readStackConfig(stack), ...opts.config },
      secrets: opts.secrets ?? TEST_SECRETS,
      preview: opts.preview,
    });
  });
  return run!;
}

/** Config loading errors surface when the program is imported: run and return the error message. */
export async function programError(stack: string, opts: StackRunOptions = {}): Promise<string> {
  try {
    await runStack(stack, opts);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("the program ran without error");
}

/** The JSON of a value with every secret-wrapped part removed: what would be stored in plain text. */
export function plainText(value: unknown): string {
  const SIG = "4dabf18193072939515e22adb298388d";
  return JSON.stringify(value, (_k, v) => (v && typeof v === "object" && SIG in v ? "[secret]" : v));
}
