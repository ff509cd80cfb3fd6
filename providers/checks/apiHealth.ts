/** Post-deploy check: the api's health route answers 200 `{ status: 'ok' }` (runbook, rollback validation). */
import * as pulumi from "@pulumi/pulumi";
import { runApiHealth } from "../../checks/httpProbe";
import type { HttpCheckConfig } from "../../config/checks";
import { CheckArgs, CheckResource, checkProvider } from "./check";

export const provider = checkProvider<HttpCheckConfig>("api-health", [], runApiHealth);

export class ApiHealthCheck extends CheckResource {
  constructor(name: string, args: CheckArgs<HttpCheckConfig, "api">, opts?: pulumi.CustomResourceOptions) {
    super(provider, { type: "ApiHealthCheck", secrets: [] }, name, args, opts);
  }
}
