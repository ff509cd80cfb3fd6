/**
 * While the drill holds queues paused, SIGINT/SIGTERM of the process running it resumes them before the
 * process ends (lib/signalGuard.ts). The pause and resume steps are separate resources served by the same
 * host process: the resume step disarms what the pause step armed.
 */
import { armSignalGuard, disarmSignalGuard } from "../lib/signalGuard";

const KEY = "drill-resume";

/** Arms the guard: on a signal, `resume()` runs (bounded by `boundMs`), `log` reports it, then the process exits. */
export function armResumeGuard(resume: () => Promise<string>, log: (line: string) => void, boundMs: number): void {
  armSignalGuard(
    KEY,
    async (signal) => {
      log(`drill interrupted by ${signal}: resuming paused queues before exit`);
      const bound = new Promise<string>((resolve) =>
        setTimeout(() => resolve(`resume did not finish within ${boundMs}ms`), boundMs).unref(),
      );
      const outcome = await Promise.race([resume(), bound]).catch((err: Error) => `resume FAILED: ${err.message}`);
      log(`drill interrupted: ${outcome}`);
    },
    // The guard's own cap only backs up the race above, which reports the bound.
    boundMs + 1000,
  );
}

export function disarmResumeGuard(): void {
  disarmSignalGuard(KEY);
}
