/** Post-deploy check: the api's health route answers 200 `{ status: 'ok' }` (runbook, rollback validation). */
import * as pulumi from "@pulumi/pulumi";
import { judgeHealth } from "./http.logic";
import { probeHttp } from "./httpProbe";
import { CheckResource, checkProvider } from "./provider";

const provider = checkProvider("api-health", [], (inputs, progress) => probeHttp("api health", inputs, judgeHealth, progress));

export interface ApiHealthCheckArgs {
  readonly runId: pulumi.Input<string>;
  /** Digest of the api image this check verifies: a new one re-runs it. */
  readonly images: pulumi.Input<{ api: pulumi.Input<string> }>;
  readonly url: pulumi.Input<string>;
  readonly intervalMs: pulumi.Input<number>;
  readonly deadlineMs: pulumi.Input<number>;
  readonly requestTimeoutMs: pulumi.Input<number>;
}

export class ApiHealthCheck extends CheckResource {
  constructor(name: string, args: ApiHealthCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts);
  }
}
