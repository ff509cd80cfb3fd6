/** Post-deploy check: the web console loads (200 with an HTML page). */
import * as pulumi from "@pulumi/pulumi";
import { judgeWebConsole } from "./http.logic";
import { probeHttp } from "./httpProbe";
import { CheckResource, checkProvider } from "./provider";

const provider = checkProvider("web-console", [], (inputs, progress) => probeHttp("web console", inputs, judgeWebConsole, progress));

export interface WebConsoleCheckArgs {
  readonly runId: pulumi.Input<string>;
  /** Digest of the web image this check verifies. */
  readonly images: pulumi.Input<{ web: pulumi.Input<string> }>;
  readonly url: pulumi.Input<string>;
  readonly intervalMs: pulumi.Input<number>;
  readonly deadlineMs: pulumi.Input<number>;
  readonly requestTimeoutMs: pulumi.Input<number>;
}

export class WebConsoleCheck extends CheckResource {
  constructor(name: string, args: WebConsoleCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts);
  }
}
