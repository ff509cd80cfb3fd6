/**
 * SPEC-1 operations runbook as a Pulumi program. `spec1:role` picks the procedure a stack runs:
 *   app      — the four services pinned by image tag (rollback = change a tag, preview, up)
 *   restore  — the monthly restore test: `pulumi up` restores the latest backup into a disposable
 *              Postgres and smoke-tests it; `pulumi destroy` removes the server (skipped when up failed)
 *   drill    — the weekly QR re-login drill: `pulumi preview` names the sessions, `pulumi up` runs it
 */
import { AppServices } from "./components/appServices";
import { CHECK_IMAGES, PostDeployChecks } from "./components/postDeployChecks";
import { findSessionsToDrill, QrDrill } from "./components/qrDrill";
import { findBackupToRestore, RestoreTest } from "./components/restoreTest";
import { RollbackNotice } from "./providers/rollback/rollbackNotice";
import { DrillStackConfig, loadConfig, RestoreStackConfig, AppStackConfig } from "./config";
import { checksWaitMs } from "./config/notify";

// Read and validate all config before any resource is registered.
const config = loadConfig();

function appStack(cfg: AppStackConfig) {
  const app = new AppServices("spec1", { config: cfg.app, secrets: cfg.secrets });
  // Runbook "Validation": health, web console, send rate, queues draining (+ the QR path), after the containers change.
  const checks = new PostDeployChecks("spec1-checks", {
    config: cfg.checks,
    images: app.images,
    after: Object.values(app.containers),
    secrets: cfg.secrets,
  });
  // Runbook "Post-Rollback": beside the checks (not after them, so a failure is told too), an image change is
  // announced as a rollback or a release with the checks' verdicts; a rollback is filed and given a post-mortem.
  const notice = new RollbackNotice("spec1-rollback-notice", {
    images: app.images,
    watch: { runId: cfg.checks.runId, verifies: CHECK_IMAGES, waitMs: checksWaitMs(cfg.rollback.config, cfg.checks) },
    rollback: cfg.rollback.config,
    notify: cfg.notify.config,
    notifyCredentials: cfg.notify.credentials,
    trackerToken: cfg.rollback.trackerToken,
  });
  return { images: app.images, checks: checks.results, rollback: notice.lastChange };
}

async function restoreStack(cfg: RestoreStackConfig) {
  // Runbook §2: identify the latest backup object (read-only, so `pulumi preview` shows it) …
  const backup = await findBackupToRestore(cfg.restore, cfg.secrets);
  // … restore it into a disposable Postgres, run the smoke SQL and file the report in the ops log.
  const test = new RestoreTest("spec1-restore", { config: cfg.restore, secrets: cfg.secrets, backup });
  return { backup, disposablePostgres: test.serverInfo, report: test.report };
}

async function drillStack(cfg: DrillStackConfig) {
  // Runbook §1: the active sessions (configured, or a read-only GET /sessions so the preview names them) …
  const d = cfg.drill;
  const sessions = await findSessionsToDrill(d, cfg.secrets.gatewayToken);
  // … pause outbound automation, re-login each session, resume, send a test message, report.
  const drill = new QrDrill("spec1-drill", {
    config: d,
    sessions,
    redisUrl: cfg.secrets.redisUrl,
    gatewayToken: cfg.secrets.gatewayToken,
    notify: cfg.notify.config,
    notifyCredentials: cfg.notify.credentials,
  });
  return {
    runId: d.runId,
    sessions,
    pausedQueues: drill.pausedQueues,
    alreadyPausedQueues: drill.alreadyPausedQueues,
    report: drill.report,
  };
}

export = config.role === "restore" ? restoreStack(config) : config.role === "drill" ? drillStack(config) : appStack(config);
