/**
 * Every provider a stack may name (providers/host/v1.js): its key, `<module>:<type>` as in the type
 * token, and where its implementation is. Loaded one at a time in the provider host, on first use. A key,
 * once issued, keeps resolving: stacks that hold it are destroyed with it.
 */
import type * as pulumi from "@pulumi/pulumi";

type Loader = () => pulumi.dynamic.ResourceProvider;

const PROVIDERS: Readonly<Record<string, Loader>> = {
  "checks:ApiHealthCheck": () => require("./checks/apiHealth").provider,
  "checks:WebConsoleCheck": () => require("./checks/webConsole").provider,
  "checks:SendRateCheck": () => require("./checks/sendRate").provider,
  "checks:QueuesCheck": () => require("./checks/queues").provider,
  "checks:QrPathCheck": () => require("./checks/qrPath").provider,
  "drill:QueuePause": () => require("./drill/queuePause").provider,
  "drill:SessionRelogin": () => require("./drill/sessionRelogin").provider,
  "drill:QueueResume": () => require("./drill/queueResume").provider,
  "drill:TestMessage": () => require("./drill/testMessage").provider,
  "drill:DrillOutcome": () => require("./drill/drillOutcome").provider,
  "restore:DisposablePostgres": () => require("./restore/disposablePostgres").provider,
  "restore:RestoreRun": () => require("./restore/restoreRun").provider,
  "restore:BackupDownload": () => require("./restore/backupDownload").provider,
  "rollback:RollbackNotice": () => require("./rollback/rollbackNotice").provider,
};

export const PROVIDER_KEYS: readonly string[] = Object.keys(PROVIDERS);

export function providerFor(key: string): pulumi.dynamic.ResourceProvider {
  const load = PROVIDERS[key];
  if (!load) throw new Error(`no provider ${key} in this version of spec1-ops (providers/registry.ts knows ${PROVIDER_KEYS.join(", ")})`);
  return load();
}
