/** Post-deploy check: the api's health route answers 200 `{ status: 'ok' }` (runbook, rollback validation). */
import * as pulumi from "@pulumi/pulumi";
import { judgeHealth } from "./http.logic";
import { probeHttp } from "./httpProbe";
import type { HttpCheckConfig } from "../config/checks";
import { CheckArgs, CheckResource, checkProvider } from "./provider";

const provider = checkProvider("api-health", [], (inputs, progress) => probeHttp("api health", inputs, judgeHealth, progress));

export type ApiHealthCheckArgs = CheckArgs<HttpCheckConfig, "api">;

export class ApiHealthCheck extends CheckResource {
  constructor(name: string, args: ApiHealthCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts);
  }
}
