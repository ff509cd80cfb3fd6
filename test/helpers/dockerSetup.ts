/**
 * Jest globalSetup: a Docker engine, once per run, before any worker starts. Tests then use the system
 * daemon's socket; dockerTeardown.ts stops the daemon if this started it.
 */
import { Dockerd, ensureDockerd } from "../../sim/services/dockerd";

/** globalSetup and globalTeardown share only the process's globals (jest's documented way). */
type Globals = { spec1Dockerd?: Dockerd };

export function startedDaemon(): Dockerd | undefined {
  return (globalThis as Globals).spec1Dockerd;
}

export default async function dockerSetup(): Promise<void> {
  const started = Date.now();
  const daemon = await ensureDockerd();
  (globalThis as Globals).spec1Dockerd = daemon;
  const how = daemon.started ? `dockerd started (pid ${daemon.pid}, log ${daemon.logFile})` : "dockerd already running";
  process.stdout.write(`\ndocker: ${how}; setup ${seconds(Date.now() - started)}\n`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
