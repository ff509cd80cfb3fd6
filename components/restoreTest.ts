/**
 * Runbook §2, the monthly restore test: the latest backup from the object store, restored into a
 * disposable Postgres, checked with smoke SQL, reported in the ops log. `pulumi up` runs it, `pulumi
 * destroy` removes the server; after a failed up the pipeline skips the destroy, so the DBA finds the
 * restored database where it failed.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { withNextSteps } from "../notify/nextSteps";
import type { RestoreConfig } from "../config/restore";
import { HOUR_MS } from "../lib/time";
import type { RestoreSecrets } from "../config";
import { DISPOSABLE_SERVER_SETTINGS } from "../restore/commands";
import { DisposablePostgres } from "../providers/restore/disposablePostgres";
import { BackupPreview, describeBackup, findLatestBackup, previewWarnings } from "../restore/lookup";
import { serverMajor } from "../restore/disposableServer";
import { RestoreRun } from "../providers/restore/restoreRun";
import type { Args } from "../providers/kit";
import type { RestoreRunInputs, RestoreSpec, RestoreSummary } from "../restore/restoreTest";
import type { S3Credentials, S3Location } from "../restore/s3";
import { BackupDownload } from "../providers/restore/backupDownload";
import { claimWindowMs, PrefetchSpec } from "../restore/prefetch";

export interface RestoreTestArgs {
  readonly config: RestoreConfig;
  readonly secrets: RestoreSecrets;
  /** The backup to restore, from findBackupToRestore (read-only, so preview shows it). */
  readonly backup: BackupPreview;
}

export function s3Location(config: RestoreConfig): S3Location {
  const { endpoint, region, bucket, prefix, timeoutMs } = config.backup;
  return { endpoint, region, bucket, prefix, timeoutMs };
}

/**
 * The newest complete backup, looked up while the program runs — in preview too — with reads only (a
 * listing and a ranged GET), as a provider's data-source functions do. A resource could not show it in
 * preview: its outputs are unknown until it is created, and its check/diff must not do network I/O.
 */
export function findBackupToRestore(config: RestoreConfig, secrets: RestoreSecrets): Promise<BackupPreview> {
  return new Promise((resolve, reject) => {
    pulumi.all([secrets.s3AccessKeyId, secrets.s3SecretAccessKey]).apply(([accessKeyId, secretAccessKey]) => {
      const now = Date.now();
      findLatestBackup(s3Location(config), { accessKeyId, secretAccessKey }, now).then(
        (backup) => {
          if (backup.type === "unrecognized") pulumi.log.warn(`the restore will fail: ${backup.problem}`);
          const major = serverMajor(config.disposablePostgres);
          for (const warning of previewWarnings(backup, now, config.backup.maxAgeMs / HOUR_MS, major)) pulumi.log.warn(warning);
          pulumi.log.info(`restore test will restore ${describeBackup(backup)}`);
          resolve(backup);
        },
        (err: Error) => reject(new Error(withNextSteps(err.message, "restore"))),
      );
    });
  });
}

export class RestoreTest extends pulumi.ComponentResource {
  readonly server: DisposablePostgres;
  /** Where the restored database is (no password): for the DBA when the test failed. */
  readonly serverInfo: pulumi.Output<{ engine: string; host: string; port: number; database: string; instanceId: string }>;
  readonly report: pulumi.Output<RestoreSummary>;

  constructor(name: string, args: RestoreTestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spec1:restore:RestoreTest", name, {}, opts);
    this.server = this.createDisposablePostgres(name, args.config);
    this.serverInfo = pulumi
      .all([this.server.engine, this.server.host, this.server.port, this.server.instanceId])
      .apply(([engine, host, port, instanceId]) => ({ engine, host, port, database: args.config.restore.database, instanceId }));
    const download = this.downloadBackup(name, args);
    this.report = this.restoreAndSmokeTest(name, args, download).report;
    this.registerOutputs({ serverInfo: this.serverInfo, report: this.report });
  }

  private createDisposablePostgres(name: string, config: RestoreConfig): DisposablePostgres {
    const pg = config.disposablePostgres;
    return new DisposablePostgres(
      `${name}-postgres`,
      {
        engine: pg.engine,
        port: pg.port,
        image: pg.image,
        binDir: pg.binDir,
        startTimeoutMs: pg.startTimeoutMs,
        settings: { ...DISPOSABLE_SERVER_SETTINGS },
      },
      { parent: this },
    );
  }

  /** Beside the server's start, not after it: the engine runs the two at once (restore/prefetch.ts). */
  private downloadBackup(name: string, args: RestoreTestArgs): BackupDownload {
    const { config } = args;
    const spec: Args<PrefetchSpec> = {
      backup: backupInput(args.backup),
      s3: s3Location(config),
      credentials: s3Credentials(args.secrets),
      timeoutMs: config.restore.timeoutMs,
      maxAgeHours: config.backup.maxAgeMs / HOUR_MS,
      claimWithinMs: claimWindowMs(config.disposablePostgres.startTimeoutMs),
    };
    return new BackupDownload(`${name}-download`, spec, { parent: this });
  }

  private restoreAndSmokeTest(name: string, args: RestoreTestArgs, download: BackupDownload): RestoreRun {
    const { config, secrets, backup } = args;
    const s = this.server;
    const target = pulumi.output({
      engine: s.engine,
      instanceId: s.instanceId,
      host: s.host,
      port: s.port,
      user: s.user,
      password: s.password,
      binDir: s.binDir,
      baseDir: s.baseDir,
      container: s.container,
    });
    const spec: Args<RestoreRunInputs> = {
      stack: pulumi.getStack(),
      backup: backupInput(backup),
      s3: s3Location(config),
      credentials: s3Credentials(secrets),
      target,
      database: config.restore.database,
      jobs: config.restore.jobs,
      // In hours, as the resource's input has always been: a renamed input would show as a change of every restore stack.
      maxAgeHours: config.backup.maxAgeMs / HOUR_MS,
      timeoutMs: config.restore.timeoutMs,
      statementTimeoutMs: config.restore.statementTimeoutMs,
      smoke: config.smoke,
      reportDir: path.resolve(config.restore.reportsDir),
    };
    // After the download: it claims the dump the download left in this provider host.
    return new RestoreRun(`${name}-restore`, spec, { parent: this, dependsOn: [download] });
  }
}

function backupInput(backup: BackupPreview): RestoreSpec["backup"] {
  const { key, url, size, lastModified, etag, checksumKey } = backup;
  return { key, url, size, lastModified, etag, checksumKey, type: backup.type === "unrecognized" ? undefined : backup.type };
}

function s3Credentials(secrets: RestoreSecrets): pulumi.Output<S3Credentials> {
  return pulumi.output({ accessKeyId: secrets.s3AccessKeyId, secretAccessKey: secrets.s3SecretAccessKey });
}
