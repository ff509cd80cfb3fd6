/**
 * A local SPEC-1 on loopback ports chosen free at start: the stand-in api and gateway, a Redis with a
 * password and the worker draining its queues. Everything is registered with the lifecycle, so it is
 * stopped whatever happens. `values` fills the stack files' `{{placeholders}}`.
 */
import { randomBytes } from "crypto";
import { LocalRedis, startRedis } from "../sim/services/redis";
import { LocalWorker, startWorker } from "../sim/services/worker";
import { startApi, StandinApi } from "../sim/standins/api";
import { GatewayFaults, startGateway, StandinGateway } from "../sim/standins/gateway";
import { Received, startWebhookReceiver, WebhookCall } from "../sim/services/receivers";
import { Lifecycle } from "./lifecycle";

/** What the stacks' own config names: known once the stack files are filled with this SPEC-1's endpoints. */
export interface ProductSettings {
  /** Sessions the gateway knows (all `open`): the drilled ones and the checks' canary. */
  readonly sessions: readonly string[];
  /** BullMQ queues the worker drains. */
  readonly queues: readonly string[];
}

export interface LocalSpec1 {
  readonly redis: LocalRedis;
  readonly api: StandinApi;
  readonly gateway: StandinGateway;
  /** The ops group's chat (Slack-compatible webhook): every notification the procedures send. */
  readonly chat: Received<WebhookCall>;
  /** The incident tracker (GitHub-issues-like JSON API) a rollback files its incident in. */
  readonly tracker: Received<WebhookCall>;
  /** Placeholder values for the stack files. */
  readonly values: Record<string, string | number>;
  /** The gateway gets its sessions and the worker starts on its queues. */
  serve(settings: ProductSettings): Promise<ServingSpec1>;
}

export interface ServingSpec1 extends LocalSpec1 {
  readonly worker: LocalWorker;
  readonly settings: ProductSettings;
}

export interface LocalSpec1Settings {
  /** A healthy gateway for the rehearsal, e.g. background traffic and a device that scans QRs. */
  readonly gateway: Partial<GatewayFaults>;
  readonly worker: { readonly jobMs?: number };
}

export async function startLocalSpec1(lifecycle: Lifecycle, local: LocalSpec1Settings): Promise<LocalSpec1> {
  const log = (what: string, where: string) => lifecycle.log(`  started ${what.padEnd(22)} ${where}`);
  const redisPassword = randomBytes(12).toString("hex");
  const gatewayToken = randomBytes(12).toString("hex");

  const redis = await lifecycle.start("redis-server", () => startRedis({ password: redisPassword }));
  lifecycle.ports.push(redis.port);
  log("redis-server", `127.0.0.1:${redis.port} (password set)`);

  const gateway = await lifecycle.start("stand-in gateway", () => startGateway({ token: gatewayToken, faults: local.gateway }));
  lifecycle.ports.push(gateway.httpPort, gateway.wsPort);
  log("stand-in gateway", `${gateway.httpUrl} + ${gateway.wsUrl}`);

  const api = await lifecycle.start("stand-in api", () => startApi({}, { gateway }));
  lifecycle.ports.push(Number(new URL(api.url).port));
  log("stand-in api + console", api.url);

  const chat = await lifecycle.start("ops chat webhook", () => receiver());
  const tracker = await lifecycle.start("incident tracker", () =>
    receiver((call) => ({ number: 101, html_url: `http://${call.headers.host}/issues/101` })),
  );
  lifecycle.ports.push(Number(new URL(chat.url).port), Number(new URL(tracker.url).port));
  log("ops chat + tracker", `${chat.url} + ${tracker.url}`);

  const spec1: LocalSpec1 = {
    redis,
    api,
    gateway,
    chat,
    tracker,
    serve: async (settings) => {
      for (const id of settings.sessions) gateway.sessions.set(id, "open");
      if (settings.sessions.length > 0) log("gateway sessions", settings.sessions.join(", "));
      const worker = await lifecycle.start("worker", () =>
        startWorker({ redisUrl: redis.url, queues: settings.queues, jobMs: local.worker.jobMs }),
      );
      if (settings.queues.length > 0) log("worker (BullMQ)", `draining ${settings.queues.join(", ")}`);
      return { ...spec1, worker, settings };
    },
    values: {
      redisUrl: redis.url,
      gatewayToken,
      gatewayUrl: gateway.httpUrl,
      gatewayWsUrl: gateway.wsUrl,
      apiUrl: api.url,
      healthUrl: api.healthUrl,
      webUrl: api.webUrl,
      recentMessagesUrl: api.recentMessagesUrl,
      notifyWebhookUrl: `${chat.url}/ops`,
      trackerUrl: `${tracker.url}/issues`,
      unusedSecret: randomBytes(12).toString("hex"),
    },
  };
  return spec1;
}

async function receiver(respond?: (call: WebhookCall) => unknown) {
  const received = await startWebhookReceiver({ respond });
  return { ...received, stop: received.close };
}
