/** Post-deploy check: the web console loads (200 with an HTML page). */
import * as pulumi from "@pulumi/pulumi";
import { runWebConsole } from "../../checks/httpProbe";
import type { HttpCheckConfig } from "../../config/checks";
import { CheckArgs, CheckResource, checkProvider } from "./check";

export const provider = checkProvider<HttpCheckConfig>("web-console", [], runWebConsole);

export class WebConsoleCheck extends CheckResource {
  constructor(name: string, args: CheckArgs<HttpCheckConfig, "web">, opts?: pulumi.CustomResourceOptions) {
    super(provider, { type: "WebConsoleCheck", secrets: [] }, name, args, opts);
  }
}
