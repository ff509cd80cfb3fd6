/**
 * Shared by the check suites: the checks' inputs (with `__provider`) captured from the program under
 * mocks, exactly what the engine would hand the provider host, and a host to drive them through.
 */
import { ProviderHost, ProviderCallError, startProviderHost } from "../../harness/providerHost";
import { Props } from "../../harness/program";
import { withNextSteps, withoutNextSteps } from "../../notify/nextSteps";
import { runStack, StackRunOptions } from "./program";

export const CHECKS = ["api-health", "web-console", "send-rate", "queues", "qr-path"] as const;
export type CheckName = (typeof CHECKS)[number];

/** Resource name of a check in the app stack. */
export const checkResource = (check: CheckName) => `spec1-checks-${check}`;

/** Each check's captured inputs, secrets still wrapped as the engine holds them. */
export async function captureChecks(opts: StackRunOptions = {}): Promise<Record<CheckName, Props>> {
  const run = await runStack("prod", opts);
  return Object.fromEntries(CHECKS.map((c) => [c, run.byName(checkResource(c)).inputs])) as Record<CheckName, Props>;
}

export interface CheckDriver {
  readonly host: ProviderHost;
  /** Runs a check's create with its captured inputs and the given settings overridden. */
  create(check: CheckName, overrides: Props): Promise<{ id: string; outs: Props }>;
  /** The provider's error message when create fails, less the rollback's next steps it must end with; throws if it passed. */
  failure(check: CheckName, overrides: Props): Promise<string>;
  /**
   * Resolves once the host prints `text` after this call: a test changes the world when the check has seen it
   * (not at a fixed time, which a loaded machine can reach before the check's first try).
   */
  whenLogged(text: string, timeoutMs?: number): Promise<void>;
}

export async function startCheckDriver(inputs: Record<CheckName, Props>): Promise<CheckDriver> {
  const host = await startProviderHost();
  const create = (check: CheckName, overrides: Props) => host.create(checkResource(check), { ...inputs[check], ...overrides });
  return {
    host,
    create,
    async failure(check, overrides) {
      try {
        await create(check, overrides);
      } catch (err) {
        if (err instanceof ProviderCallError) {
          // Every check failure ends with what to do next (notify/nextSteps.ts), exactly once.
          const bare = withoutNextSteps(err.message);
          expect(err.message).toBe(withNextSteps(bare, "rollback"));
          return bare;
        }
        throw err;
      }
      throw new Error(`${check} passed; a failure was expected`);
    },
    async whenLogged(text, timeoutMs = 10000) {
      const from = host.output().length;
      for (const deadline = Date.now() + timeoutMs; !host.output().slice(from).includes(text);) {
        if (Date.now() > deadline) throw new Error(`the provider host did not print "${text}" within ${timeoutMs}ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
