/** Drill step 5: the ops-log entry and the result notice; fails `pulumi up` when any session or step failed. */
import * as pulumi from "@pulumi/pulumi";
import { OutcomeInputs, outcomeStep } from "../../drill/steps";
import { Args, DynamicResource } from "../kit";
import { stepProvider } from "./step";

const SECRETS = ["gatewayToken", "notifyCredentials"] as const;
export const provider = stepProvider((i) => `outcome-${i.runId}`, [], outcomeStep, SECRETS);

export class DrillOutcome extends DynamicResource {
  declare readonly report: pulumi.Output<string>;

  constructor(name: string, args: Args<OutcomeInputs>, opts?: pulumi.CustomResourceOptions) {
    super(provider, { module: "drill", type: "DrillOutcome", secrets: SECRETS, outputs: ["report", "notified"] }, name, args, opts);
  }
}
