/** Jest globalTeardown: stops the Docker daemon only if dockerSetup.ts started it. */
import { startedDaemon } from "./dockerSetup";

export default async function dockerTeardown(): Promise<void> {
  await startedDaemon()?.stop();
}
