/**
 * The QR drill end to end: the program runs under Pulumi mocks (runStack's config and secrets), and each
 * dynamic resource it registers is checked and created by Pulumi's own provider host at the moment the
 * program registers it — so the runtime orders the steps by their dependencies and feeds real outputs
 * (paused queues, session outcomes) into the next step's inputs, as the engine does. A step that fails
 * is recorded like the engine reports it, and, as in the engine, no later step runs. Against the stand-in gateway and api, real Redis and BullMQ.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProgramRun, Props } from "../../harness/program";
import { InProcessUp, upInProcess } from "../../harness/engine";
import { readStackConfig } from "../../config/stackFile";
import { ProviderHost, startProviderHost } from "../../harness/providerHost";
import { LocalRedis, startRedis } from "../../sim/services/redis";
import { StandinApi, startApi } from "../../sim/standins/api";
import { StandinGateway, startGateway } from "../../sim/standins/gateway";
import { Received, startWebhookReceiver, WebhookCall } from "../../sim/services/receivers";
import { TEST_SECRETS } from "./program";
import { withFreshModules } from "./isolated";

export const SESSIONS = ["sales-1", "support-1"];
export const QUEUES = ["outbound", "broadcast"];
export const CHAT_ID = "60123456789-1600000000@g.us";
export const WEBHOOK_SECRET_PATH = "SECRET-webhook-path-3c9d";
export const relogin = (session: string) => `spec1-drill-relogin-${session}`;

export interface DrillWorld {
  readonly redis: LocalRedis;
  readonly gateway: StandinGateway;
  readonly api: StandinApi;
  readonly hook: Received<WebhookCall>;
  readonly reportsDir: string;
  readonly secrets: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDrillWorld(): Promise<DrillWorld> {
  const redis = await startRedis({ password: "SECRET-redis-pass-d7e1" });
  const gateway = await startGateway({
    token: TEST_SECRETS.gatewayToken,
    sessions: SESSIONS.map((id) => ({ id, status: "open" as const })),
  });
  const api = await startApi({}, { gateway });
  const hook = await startWebhookReceiver();
  const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-drill-"));
  const secrets = {
    redisUrl: redis.url,
    gatewayToken: TEST_SECRETS.gatewayToken,
    notifyWebhookUrl: `${hook.url}/hooks/${WEBHOOK_SECRET_PATH}`,
  };
  return {
    redis,
    gateway,
    api,
    hook,
    reportsDir,
    secrets,
    stop: async () => {
      await Promise.allSettled([gateway.stop(), api.stop(), hook.close(), redis.stop()]);
      fs.rmSync(reportsDir, { recursive: true, force: true });
    },
  };
}

/**
 * Short bounds, with room for a loaded CI machine (800 ms to the first QR was missed once there); `drill` overrides
 * any of these keys.
 */
export function drillConfig(world: DrillWorld, runId: string, drill: Props = {}): Props {
  return {
    drill: {
      gatewayUrl: world.gateway.httpUrl,
      gatewayWsUrl: world.gateway.wsUrl,
      sessions: SESSIONS,
      queues: QUEUES,
      qrTimeoutMs: 1500,
      openTimeoutMs: 2000,
      requestTimeoutMs: 2000,
      logLines: 20,
      testMessage: { chatId: CHAT_ID, confirmUrl: world.api.recentMessagesUrl, confirmTimeoutMs: 800 },
      reportsDir: world.reportsDir,
      runId,
      ...drill,
    },
    notify: { timeoutMs: 2000 },
  };
}

export interface StepRecord {
  readonly name: string;
  readonly id?: string;
  readonly inputs: Props;
  readonly outs?: Props;
  readonly error?: string;
}

export interface DrillRun {
  readonly program?: ProgramRun;
  /** Dynamic resources in the order the host created them. */
  readonly steps: StepRecord[];
  step(name: string): StepRecord;
}

/** `pulumi up` of the drill stack, its dynamic steps run by `host` through the harness's engine. */
export async function upDrill(host: ProviderHost, config: Props, secrets: Record<string, string>): Promise<DrillRun> {
  let up: InProcessUp | undefined;
  await withFreshModules(async () => {
    const pulumi = require("@pulumi/pulumi");
    up = await upInProcess(
      pulumi,
      async () => require("../../index"),
      { stack: "drill", config: { ...readStackConfig("drill"), ...config }, secrets },
      host,
    );
  });
  const { program, state } = up!;
  const steps: StepRecord[] = up!.steps.map((r) => {
    if (r.status === "done") return { name: r.name, id: state.get(r.name)!.id, inputs: state.get(r.name)!.inputs, outs: r.outs };
    const inputs = program.byName(r.name).inputs;
    return { name: r.name, inputs, error: r.status === "failed" ? r.error : `not run: ${r.reason}` };
  });
  return {
    program,
    steps,
    step(name) {
      const found = steps.find((s) => s.name === name);
      if (!found) throw new Error(`no step ${name}; steps: ${steps.map((s) => s.name).join(", ")}`);
      return found;
    },
  };
}

export { startProviderHost };
