/**
 * The one place stack config is read. Every key lives in the `spec1` namespace; `role` selects which
 * runbook procedure the stack runs. Parsing is done by pure functions (tested directly); this module
 * only fetches raw values and secrets from Pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, parseAppConfig } from "./app";
import { ChecksConfig, parseChecksConfig } from "./checks";
import { oneOf } from "./errors";
import { parseRestoreConfig, RestoreConfig } from "./restore";

export { ConfigError } from "./errors";

export const ROLES = ["app", "restore", "drill"] as const;
export type Role = (typeof ROLES)[number];

/** Secrets of the app stack: only ever set with `pulumi config set --secret`. */
export interface AppSecrets {
  readonly databaseUrl: pulumi.Output<string>;
  readonly redisUrl: pulumi.Output<string>;
  readonly s3AccessKeyId: pulumi.Output<string>;
  readonly s3SecretAccessKey: pulumi.Output<string>;
  readonly gatewayToken: pulumi.Output<string>;
}

export type StackConfig = { role: "app"; app: AppConfig; checks: ChecksConfig; secrets: AppSecrets };

/** Secrets of the restore stack: read access to the backup bucket. */
export interface RestoreSecrets {
  readonly s3AccessKeyId: pulumi.Output<string>;
  readonly s3SecretAccessKey: pulumi.Output<string>;
}

export type RestoreStackConfig = { role: "restore"; restore: RestoreConfig; secrets: RestoreSecrets };

/** Raw values of the given keys: JSON objects/numbers parsed, plain strings kept. */
function readRaw(cfg: pulumi.Config, keys: readonly string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    const value = cfg.get(key);
    if (value === undefined) continue;
    try {
      raw[key] = /^[[{]/.test(value.trim()) ? JSON.parse(value) : value;
    } catch {
      raw[key] = value;
    }
  }
  return raw;
}

function readAppSecrets(cfg: pulumi.Config): AppSecrets {
  return {
    databaseUrl: cfg.requireSecret("databaseUrl"),
    redisUrl: cfg.requireSecret("redisUrl"),
    s3AccessKeyId: cfg.requireSecret("s3AccessKeyId"),
    s3SecretAccessKey: cfg.requireSecret("s3SecretAccessKey"),
    gatewayToken: cfg.requireSecret("gatewayToken"),
  };
}

export function loadConfig(): StackConfig | RestoreStackConfig {
  const cfg = new pulumi.Config("spec1");
  const role = oneOf("role", cfg.get("role"), ROLES, "app");
  switch (role) {
    case "app": {
      const raw = readRaw(cfg, ["registry", "imageTags", "imageRepositories", "dockerHost", "network", "services", "checks"]);
      return { role, app: parseAppConfig(raw), checks: parseChecksConfig(raw.checks), secrets: readAppSecrets(cfg) };
    }
    case "restore": {
      const raw = readRaw(cfg, ["backup", "disposablePostgres", "restore", "smoke"]);
      const secrets = { s3AccessKeyId: cfg.requireSecret("s3AccessKeyId"), s3SecretAccessKey: cfg.requireSecret("s3SecretAccessKey") };
      return { role, restore: parseRestoreConfig(raw), secrets };
    }
    default:
      throw new Error(`role ${role} is not wired yet`);
  }
}
