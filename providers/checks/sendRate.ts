/** Post-deploy check: the gateway's /metrics shows a healthy send rate (runbook, rollback validation). */
import * as pulumi from "@pulumi/pulumi";
import { runSendRate, SendRateInputs } from "../../checks/sendRate";
import { CheckArgs, CheckResource, checkProvider } from "./check";

const SECRETS = ["gatewayToken"] as const;
export const provider = checkProvider<SendRateInputs>("send-rate", SECRETS, runSendRate);

export class SendRateCheck extends CheckResource {
  constructor(name: string, args: CheckArgs<Required<SendRateInputs>, "baileys">, opts?: pulumi.CustomResourceOptions) {
    super(provider, { type: "SendRateCheck", secrets: SECRETS }, name, args, opts);
  }
}
