/**
 * SPEC-1 operations runbook as a Pulumi program. `spec1:role` picks the procedure a stack runs:
 *   app      — the four services pinned by image tag (rollback = change a tag, preview, up)
 */
import { AppServices } from "./components/appServices";
import { loadConfig, StackConfig } from "./config";

// Read and validate all config before any resource is registered.
const config = loadConfig();

function appStack(cfg: Extract<StackConfig, { role: "app" }>) {
  const app = new AppServices("spec1", { config: cfg.app, secrets: cfg.secrets });
  return { images: app.images };
}

export = appStack(config);
