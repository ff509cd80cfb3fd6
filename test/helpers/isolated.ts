/**
 * A fresh module registry for one program run, and nothing of it kept alive afterwards.
 *
 * Each load of @pulumi/pulumi connects its own inspector session to serialize closures
 * (runtime/closure/v8Hooks.js, createInspectorSessionAsync) and never disconnects it; V8 keeps every object that
 * session was handed, with the whole module graph it reaches (~20 MB of heap per run). It also adds process
 * listeners ("exit"). Over a full run one jest worker grew to several GiB and was SIGKILLed.
 */
export async function withFreshModules(run: () => Promise<void>): Promise<void> {
  const before = new Map(process.eventNames().map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  try {
    // require, not import(), inside `run`: jest isolates CommonJS modules only.
    await jest.isolateModulesAsync(async () => {
      try {
        await run();
      } finally {
        const hooks = require("@pulumi/pulumi/runtime/closure/v8Hooks");
        (await hooks.getSessionAsync()).disconnect();
      }
    });
  } finally {
    // Signal handlers are left alone: lib/signalGuard.ts keeps its own record of the ones it installed.
    for (const event of process.eventNames().filter((e) => !String(e).startsWith("SIG"))) {
      const kept = before.get(event) ?? new Set();
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!kept.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}
