/**
 * The one place stack config is read. Every key lives in the `spec1` namespace; `role` selects which
 * runbook procedure the stack runs. Parsing is done by pure functions (tested directly); this module
 * only fetches raw values and secrets from Pulumi.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppConfig, parseAppConfig, parseServiceSecretEnv, Service } from "./app";
import { ChecksConfig, parseChecksConfig } from "./checks";
import { DrillConfig, parseDrillConfig } from "./drill";
import { ConfigError, oneOf } from "./fields";
import { NotifyConfig, parseNotifyConfig, parseRollbackConfig, RollbackConfig } from "./notify";
import { parseRestoreConfig, RestoreConfig } from "./restore";

export { ConfigError } from "./fields";

export const ROLES = ["app", "restore", "drill"] as const;
export type Role = (typeof ROLES)[number];

/** Secrets of the app stack: only ever set with `pulumi config set --secret`. */
export interface AppSecrets {
  readonly databaseUrl: pulumi.Output<string>;
  readonly redisUrl: pulumi.Output<string>;
  readonly s3AccessKeyId: pulumi.Output<string>;
  readonly s3SecretAccessKey: pulumi.Output<string>;
  readonly gatewayToken: pulumi.Output<string>;
  /** Per service, its other secret environment variables (`serviceSecretEnv`, optional). */
  readonly serviceSecretEnv: pulumi.Output<Record<Service, Record<string, string>>>;
}

/** The notifier, for every role: `spec1:notify`, and its transport secrets (each optional). */
export interface NotifySettings {
  readonly config: NotifyConfig;
  /** notifyWebhookUrl, smtpUsername, smtpPassword: one secret object, unset ones left out. */
  readonly credentials: pulumi.Output<{ webhookUrl?: string; smtpUsername?: string; smtpPassword?: string }>;
}

/** After a rollback: `spec1:rollback` and the tracker's secret token (`trackerToken`, optional). */
export interface RollbackSettings {
  readonly config: RollbackConfig;
  readonly trackerToken: pulumi.Output<string>;
}

export type AppStackConfig = {
  role: "app";
  app: AppConfig;
  checks: ChecksConfig;
  secrets: AppSecrets;
  notify: NotifySettings;
  rollback: RollbackSettings;
};

/** The weekly QR drill: the product's Redis (outbound queues) and the gateway token, both secret. */
export type DrillStackConfig = {
  role: "drill";
  drill: DrillConfig;
  notify: NotifySettings;
  secrets: { readonly redisUrl: pulumi.Output<string>; readonly gatewayToken: pulumi.Output<string> };
};

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

function readAppSecrets(cfg: pulumi.Config, app: AppConfig): AppSecrets {
  const extra = cfg.getSecretObject<unknown>("serviceSecretEnv") ?? pulumi.secret<unknown>(undefined);
  return {
    serviceSecretEnv: extra.apply((value) => parseServiceSecretEnv(value, app.services)),
    databaseUrl: cfg.requireSecret("databaseUrl"),
    redisUrl: cfg.requireSecret("redisUrl"),
    s3AccessKeyId: cfg.requireSecret("s3AccessKeyId"),
    s3SecretAccessKey: cfg.requireSecret("s3SecretAccessKey"),
    gatewayToken: cfg.requireSecret("gatewayToken"),
  };
}

function readNotify(cfg: pulumi.Config): NotifySettings {
  const optional = (key: string) => cfg.getSecret(key) ?? pulumi.secret<string | undefined>(undefined);
  const credentials = pulumi
    .all([optional("notifyWebhookUrl"), optional("smtpUsername"), optional("smtpPassword")])
    .apply(([webhookUrl, smtpUsername, smtpPassword]) => JSON.parse(JSON.stringify({ webhookUrl, smtpUsername, smtpPassword })));
  return { config: parseNotifyConfig(readRaw(cfg, ["notify"]).notify), credentials: pulumi.secret(credentials) };
}

export function loadConfig(): AppStackConfig | RestoreStackConfig | DrillStackConfig {
  const cfg = new pulumi.Config("spec1");
  const role = oneOf("role", cfg.get("role"), ROLES, "app");
  switch (role) {
    case "app": {
      const appKeys = [
        "registry",
        "imageTags",
        "imageRepositories",
        "dockerHost",
        "network",
        "networkLabels",
        "services",
        "volumes",
        "adoption",
      ];
      const raw = readRaw(cfg, [...appKeys, "checks"]);
      const rollback = {
        config: parseRollbackConfig(readRaw(cfg, ["rollback"]).rollback),
        trackerToken: cfg.getSecret("trackerToken") ?? pulumi.secret(""),
      };
      const app = parseAppConfig(raw);
      return {
        role,
        app,
        checks: parseChecksConfig(raw.checks),
        secrets: readAppSecrets(cfg, app),
        notify: readNotify(cfg),
        rollback,
      };
    }
    case "restore": {
      const raw = readRaw(cfg, ["backup", "disposablePostgres", "restore", "smoke"]);
      const secrets = { s3AccessKeyId: cfg.requireSecret("s3AccessKeyId"), s3SecretAccessKey: cfg.requireSecret("s3SecretAccessKey") };
      return { role, restore: parseRestoreConfig(raw), secrets };
    }
    case "drill": {
      const secrets = { redisUrl: cfg.requireSecret("redisUrl"), gatewayToken: cfg.getSecret("gatewayToken") ?? pulumi.secret("") };
      const notify = readNotify(cfg);
      // The drill escalates to the Lead Engineer: running it with nobody to tell would hide a failure.
      if (!notify.config.smtp && cfg.getSecret("notifyWebhookUrl") === undefined) {
        throw new ConfigError(
          "notify",
          "no transport is configured for the drill's escalations",
          "set notify.smtp.host or the notifyWebhookUrl secret (pulumi config set --secret notifyWebhookUrl …)",
        );
      }
      return { role, drill: parseDrillConfig(readRaw(cfg, ["drill"]).drill, new Date()), notify, secrets };
    }
  }
}
