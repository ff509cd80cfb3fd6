/**
 * A local SPEC-1 on loopback ports chosen free at start: the stand-in api and gateway, a Redis with a
 * password and the worker draining its queues. Everything is registered with the lifecycle, so it is
 * stopped whatever happens. `values` fills the stack files' `{{placeholders}}`.
 */
import { randomBytes } from "crypto";
import { LocalRedis, startRedis } from "../local/services/redis";
import { LocalWorker, startWorker } from "../local/services/worker";
import { startApi, StandinApi } from "../local/standins/api";
import { GatewayFaults, startGateway, StandinGateway } from "../local/standins/gateway";
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
  /** Placeholder values for the stack files. */
  readonly values: Record<string, string | number>;
  /** The gateway gets its sessions and the worker starts on its queues. */
  serve(settings: ProductSettings): Promise<ServingSpec1>;
}

export interface ServingSpec1 extends LocalSpec1 {
  readonly worker: LocalWorker;
  readonly settings: ProductSettings;
}

/** `gatewaySwitches`: a healthy gateway for the rehearsal, e.g. background traffic and a device that scans QRs. */
export async function startLocalSpec1(lifecycle: Lifecycle, gatewaySwitches: Partial<GatewayFaults>): Promise<LocalSpec1> {
  const log = (what: string, where: string) => lifecycle.log(`  started ${what.padEnd(22)} ${where}`);
  const redisPassword = randomBytes(12).toString("hex");
  const gatewayToken = randomBytes(12).toString("hex");

  const redis = await lifecycle.start("redis-server", () => startRedis({ password: redisPassword }));
  lifecycle.ports.push(redis.port);
  log("redis-server", `127.0.0.1:${redis.port} (password set)`);

  const gateway = await lifecycle.start("stand-in gateway", () =>
    startGateway({ token: gatewayToken, faults: gatewaySwitches }),
  );
  lifecycle.ports.push(gateway.httpPort, gateway.wsPort);
  log("stand-in gateway", `${gateway.httpUrl} + ${gateway.wsUrl}`);

  const api = await lifecycle.start("stand-in api", () => startApi({}, { gateway }));
  lifecycle.ports.push(Number(new URL(api.url).port));
  log("stand-in api + console", api.url);

  const spec1: LocalSpec1 = {
    redis,
    api,
    gateway,
    serve: async (settings) => {
      for (const id of settings.sessions) gateway.sessions.set(id, "open");
      if (settings.sessions.length > 0) log("gateway sessions", settings.sessions.join(", "));
      const worker = await lifecycle.start("worker", () => startWorker({ redisUrl: redis.url, queues: settings.queues }));
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
      unusedSecret: randomBytes(12).toString("hex"),
    },
  };
  return spec1;
}
