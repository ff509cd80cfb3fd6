/**
 * The local SPEC-1's backups: a real database seeded with users, sales and tickets, dumped by the real
 * `pg_dump`, and served by a local S3 endpoint among years of older daily backups and the sidecars a
 * backup job leaves — what the monthly restore test finds in MinIO. The seeding Postgres is stopped as
 * soon as its dump is taken; the S3 endpoint runs until the rehearsal ends.
 */
import * as fs from "fs";
import * as path from "path";
import { POSTGRES_BIN_DIR, startPostgres } from "../sim/services/postgres";
import { stopLocalCluster } from "../restore/localEngine";
import { LocalS3, S3RVER_CREDENTIALS, startS3 } from "../sim/services/s3";
import {
  ageBackups,
  dumpDatabase,
  SeedSummary,
  seedDatabase,
  SMALL_SEED,
  uploadNewestBackup,
  uploadOlderBackups,
} from "../sim/fixtures/backups";
import { HOUR_MS } from "../lib/time";
import type { Lifecycle } from "./lifecycle";

export interface BackupStoreSettings {
  readonly bucket: string;
  /** Key prefix, ending in `/`. */
  readonly prefix: string;
  readonly olderBackups: number;
  /** The newest dump is cut off half way, as when the backup job died mid-upload. */
  readonly truncated: boolean;
  /** Every backup is this many hours older than its upload: BACKUP_DAILY stopped that long ago (0: it runs). */
  readonly stoppedHoursAgo: number;
}

export interface SeededBackups {
  /** What was seeded: what the restore's smoke SQL must find. */
  readonly seeded: SeedSummary;
  readonly newestKey: string;
}

export interface BackupStore {
  readonly s3: LocalS3;
  readonly values: Record<string, string>;
  /** Seeding runs while other procedures do: the restore test waits for it. */
  readonly ready: Promise<SeededBackups>;
}

/** Starts the S3 endpoint and, in the background, fills it: the endpoint is known at once, the backups later. */
export async function startBackupStore(lifecycle: Lifecycle, settings: BackupStoreSettings): Promise<BackupStore> {
  const s3 = await lifecycle.start("s3rver", () => startS3({ buckets: [settings.bucket] }));
  lifecycle.ports.push(s3.port);
  lifecycle.log(`  started s3rver                 ${s3.endpoint} (bucket ${settings.bucket}; backups being seeded)`);
  const ready = seedBackups(lifecycle, s3, settings);
  // Awaited by the restore test; until then a failure must not count as unhandled.
  ready.catch(() => undefined);
  const values = {
    s3Endpoint: s3.endpoint,
    s3AccessKeyId: S3RVER_CREDENTIALS.accessKeyId,
    s3SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
  };
  return { s3, values, ready };
}

async function seedBackups(lifecycle: Lifecycle, s3: LocalS3, settings: BackupStoreSettings): Promise<SeededBackups> {
  const log = (line: string) => lifecycle.log(`  ${line}`);
  const pg = await lifecycle.start("seeding Postgres", () => startPostgres());
  lifecycle.ports.push(pg.port);
  const seeded = await seedDatabase(pg, "spec1", SMALL_SEED);
  const dump = path.join(lifecycle.tempDir, "spec1.dump");
  await dumpDatabase(pg, "spec1", "custom", dump);
  await pg.stop();
  log(
    `backups: seeded spec1 on a local Postgres: ${seeded.users} users, ${seeded.recentSales} sales in the last 30 days, tickets ${JSON.stringify(seeded.ticketsByStatus)}; pg_dump -Fc: ${fs.statSync(dump).size} bytes`,
  );

  const client = s3.client();
  try {
    await uploadOlderBackups(client, settings.bucket, settings.prefix, settings.olderBackups);
    if (settings.truncated) fs.truncateSync(dump, Math.floor(fs.statSync(dump).size / 2));
    const takenAt = new Date(Date.now() - settings.stoppedHoursAgo * HOUR_MS);
    const newestKey = `${settings.prefix}${takenAt.toISOString().slice(0, 10)}T02-00-00Z.dump`;
    await uploadNewestBackup(client, settings.bucket, newestKey, dump, settings.truncated ? "none" : "matching");
    log(
      `backups: ${settings.olderBackups} older daily dumps, then ${newestKey}${settings.truncated ? " (TRUNCATED)" : " + .sha256"}, a zero-byte dump and a manifest`,
    );
    if (settings.stoppedHoursAgo > 0) {
      await ageBackups(s3, settings.bucket, settings.prefix, settings.stoppedHoursAgo);
      log(`backups: every object under ${settings.prefix} dated ${settings.stoppedHoursAgo} h earlier: BACKUP_DAILY stopped then`);
    }
    return { seeded, newestKey };
  } finally {
    client.destroy();
    fs.rmSync(dump, { force: true });
  }
}

/**
 * A disposable Postgres the restore stack's provider was still creating when the rehearsal was stopped
 * is in no state to destroy; it lives under the rehearsal's temp dir, so find its data dir there.
 */
export async function stopStrayClusters(tempDir: string): Promise<void> {
  if (!fs.existsSync(tempDir)) return;
  for (const entry of fs.readdirSync(tempDir)) {
    const baseDir = path.join(tempDir, entry);
    const dataDir = path.join(baseDir, "data");
    if (fs.existsSync(path.join(dataDir, "postmaster.pid"))) await stopLocalCluster({ baseDir, dataDir }, POSTGRES_BIN_DIR);
  }
}
