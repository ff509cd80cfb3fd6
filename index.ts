/**
 * SPEC-1 operations runbook as a Pulumi program. `spec1:role` picks the procedure a stack runs:
 *   app      — the four services pinned by image tag (rollback = change a tag, preview, up)
 *   restore  — the monthly restore test: `pulumi up` restores the latest backup into a disposable
 *              Postgres and smoke-tests it; `pulumi destroy` removes the server (skipped when up failed)
 */
import { AppServices } from "./components/appServices";
import { PostDeployChecks } from "./components/postDeployChecks";
import { findBackupToRestore, RestoreTest } from "./components/restoreTest";
import { loadConfig, RestoreStackConfig, StackConfig } from "./config";

// Read and validate all config before any resource is registered.
const config = loadConfig();

function appStack(cfg: Extract<StackConfig, { role: "app" }>) {
  const app = new AppServices("spec1", { config: cfg.app, secrets: cfg.secrets });
  // Runbook "Validation": health, web console, send rate, queues draining (+ the QR path), after the containers change.
  const checks = new PostDeployChecks("spec1-checks", { config: cfg.checks, images: app.images, after: Object.values(app.containers), secrets: cfg.secrets });
  return { images: app.images, checks: checks.results };
}

async function restoreStack(cfg: RestoreStackConfig) {
  // Runbook §2: identify the latest backup object (read-only, so `pulumi preview` shows it) …
  const backup = await findBackupToRestore(cfg.restore, cfg.secrets);
  // … restore it into a disposable Postgres, run the smoke SQL and file the report in the ops log.
  const test = new RestoreTest("spec1-restore", { config: cfg.restore, secrets: cfg.secrets, backup });
  return { backup, disposablePostgres: test.serverInfo, report: test.report };
}

export = config.role === "restore" ? restoreStack(config) : appStack(config);
