/**
 * While the drill holds queues paused, SIGINT/SIGTERM of the process running it (Pulumi's provider host
 * under `pulumi up`, which receives Ctrl-C with the CLI) resumes them before the process ends. The pause
 * and resume steps are separate resources served by the same host process, so the guard lives on
 * `globalThis` under a fixed key: the resume step finds and disarms what the pause step armed. (A string,
 * not a Symbol: Pulumi serializes the provider's closure by value, and symbols do not serialize.)
 */
const GUARD = "__spec1DrillResumeGuard";
const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

interface Guard {
  readonly handlers: Map<NodeJS.Signals, () => void>;
}

/** Arms the guard: on a signal, `resume()` runs (bounded by `boundMs`), `log` reports it, then the process exits. */
export function armResumeGuard(resume: () => Promise<string>, log: (line: string) => void, boundMs: number): void {
  disarmResumeGuard();
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const signal of SIGNALS) {
    const handler = () => {
      disarmResumeGuard();
      log(`drill interrupted by ${signal}: resuming paused queues before exit`);
      const bound = new Promise<string>((resolve) =>
        setTimeout(() => resolve(`resume did not finish within ${boundMs}ms`), boundMs).unref(),
      );
      Promise.race([resume(), bound])
        .then(
          (outcome) => log(`drill interrupted: ${outcome}`),
          (err) => log(`drill interrupted: resume FAILED: ${(err as Error).message}`),
        )
        .finally(() => process.exit(EXIT_CODES[signal]));
    };
    handlers.set(signal, handler);
    process.once(signal, handler);
  }
  (globalThis as any)[GUARD] = { handlers } satisfies Guard;
}

export function disarmResumeGuard(): void {
  const guard: Guard | undefined = (globalThis as any)[GUARD];
  if (!guard) return;
  for (const [signal, handler] of guard.handlers) process.removeListener(signal, handler);
  delete (globalThis as any)[GUARD];
}
