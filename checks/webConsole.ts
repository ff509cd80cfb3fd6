/** Post-deploy check: the web console loads (200 with an HTML page). */
import * as pulumi from "@pulumi/pulumi";
import { judgeWebConsole } from "./http.logic";
import { probeHttp } from "./httpProbe";
import type { HttpCheckConfig } from "../config/checks";
import { CheckArgs, CheckResource, checkProvider } from "./provider";

const provider = checkProvider("web-console", [], (inputs, progress) => probeHttp("web console", inputs, judgeWebConsole, progress));

export type WebConsoleCheckArgs = CheckArgs<HttpCheckConfig, "web">;

export class WebConsoleCheck extends CheckResource {
  constructor(name: string, args: WebConsoleCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts);
  }
}
