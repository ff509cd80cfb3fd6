/**
 * A private S3 endpoint (s3rver) on a random loopback port, for tests and the rehearsal. It runs as a
 * child process so that NODE_OPTIONS=--openssl-legacy-provider applies to it: s3rver's continuation
 * tokens use DES, and without the legacy provider any listing past 1,000 keys fails with a 500.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { CommandLine } from "../../lib/exec";
import { freePort, waitForPort } from "../../lib/net";

/** s3rver's only account. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface LocalS3 {
  readonly port: number;
  readonly endpoint: string;
  /** A client for this endpoint with s3rver's credentials. */
  client(): S3Client;
  /**
   * Dates an object as if it had been written at `at`: s3rver reports a file's mtime as LastModified,
   * and dates every upload now, so this is how a bucket gets a history (e.g. BACKUP_DAILY stopped days ago).
   */
  setLastModified(bucket: string, key: string, at: Date): void;
  stop(): Promise<void>;
}

const S3RVER_BIN = path.resolve(__dirname, "../../node_modules/s3rver/bin/s3rver.js");

/** s3rver on loopback, its store in `dir`, with the legacy OpenSSL provider its DES continuation tokens need. */
export function s3rverCommand(dir: string, port: number, buckets: readonly string[]): CommandLine {
  const args = [S3RVER_BIN, "--directory", dir, "--address", "127.0.0.1", "--port", String(port), "--silent"];
  for (const bucket of buckets) args.push("--configure-bucket", bucket);
  const nodeOptions = [process.env.NODE_OPTIONS, "--openssl-legacy-provider"].filter(Boolean).join(" ");
  return { command: process.execPath, args, env: { NODE_OPTIONS: nodeOptions } };
}

export async function startS3(opts: { buckets?: readonly string[] } = {}): Promise<LocalS3> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-s3-"));
  const cmd = s3rverCommand(dir, port, opts.buckets ?? []);
  const child = spawn(cmd.command, cmd.args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...cmd.env } });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, "s3rver", 15000);
  } catch (err) {
    await stop();
    throw new Error(`s3rver did not start: ${(err as Error).message}; ${stderr.trim()}`);
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    port,
    endpoint,
    client: () => {
      const { S3Client: Client } = require("@aws-sdk/client-s3");
      // WHEN_REQUIRED: otherwise streamed uploads are stored with their aws-chunked framing.
      return new Client({
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        requestChecksumCalculation: "WHEN_REQUIRED",
        credentials: S3RVER_CREDENTIALS,
      });
    },
    setLastModified: (bucket, key, at) => {
      // s3rver's own path for the object's file (its key encoding and `._S3rver_object` suffix).
      const FilesystemStore = require("s3rver/lib/stores/filesystem");
      const file: string = new FilesystemStore(dir).getResourcePath(bucket, key, "object");
      if (!fs.existsSync(file)) throw new Error(`setLastModified: no object s3://${bucket}/${key} in s3rver's store (${file})`);
      fs.utimesSync(file, at, at);
    },
    stop,
  };
}
