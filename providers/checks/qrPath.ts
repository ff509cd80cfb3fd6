/** Post-deploy check: the QR broadcast path works for a canary session (runbook, QR drill). */
import * as pulumi from "@pulumi/pulumi";
import { QrPathInputs, runQrPath } from "../../checks/qrPath";
import { CheckArgs, CheckResource, checkProvider } from "./check";

const SECRETS = ["gatewayToken"] as const;
export const provider = checkProvider<QrPathInputs>("qr-path", SECRETS, runQrPath);

export class QrPathCheck extends CheckResource {
  constructor(name: string, args: CheckArgs<Required<QrPathInputs>, "baileys">, opts?: pulumi.CustomResourceOptions) {
    super(provider, { type: "QrPathCheck", secrets: SECRETS }, name, args, opts);
  }
}
