/**
 * Jest globalSetup: a Docker engine and the spec1-sim/postgres images, once per run, before any worker
 * starts (builds in two workers would race for the same tags). Tests then use the system daemon's
 * socket and the tags from postgresImage(); dockerTeardown.ts stops the daemon if this started it.
 */
import { Dockerd, ensureDockerd } from "../../sim/services/dockerd";
import { ensurePostgresImage, POSTGRES_MAJORS } from "../../sim/images/postgres/image";

/** globalSetup and globalTeardown share only the process's globals (jest's documented way). */
type Globals = { spec1Dockerd?: Dockerd };

export function startedDaemon(): Dockerd | undefined {
  return (globalThis as Globals).spec1Dockerd;
}

export default async function dockerSetup(): Promise<void> {
  const started = Date.now();
  const daemon = await ensureDockerd();
  (globalThis as Globals).spec1Dockerd = daemon;
  try {
    // Both at once: a cold build of the two took 135 s so, against 142 s one after the other (2 cores).
    const images = await Promise.all(POSTGRES_MAJORS.map((major) => ensurePostgresImage(major)));
    const built = images.map((i) => `${i.tag} ${i.built ? `built in ${seconds(i.ms)}` : "up to date"}`);
    const how = daemon.started ? `dockerd started (pid ${daemon.pid}, log ${daemon.logFile})` : "dockerd already running";
    process.stdout.write(`\ndocker: ${how}; ${built.join(", ")}; setup ${seconds(Date.now() - started)}\n`);
  } catch (err) {
    // jest runs no globalTeardown after a failed globalSetup.
    await daemon.stop();
    throw err;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
