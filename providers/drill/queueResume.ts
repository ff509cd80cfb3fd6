/** Drill step 3: resume the queues the pause step paused (its `pausedByDrill`), never the ones found paused. */
import * as pulumi from "@pulumi/pulumi";
import { QueueStepInputs, resumeStep } from "../../drill/steps";
import { Args, DynamicResource } from "../kit";
import { stepProvider } from "./step";

const SECRETS = ["redisUrl"] as const;
export const provider = stepProvider((i) => `resume-${i.runId}`, ["queues"], resumeStep, SECRETS);

export class QueueResume extends DynamicResource {
  declare readonly resumed: pulumi.Output<string[]>;
  declare readonly error: pulumi.Output<string | undefined>;

  constructor(name: string, args: Args<QueueStepInputs>, opts?: pulumi.CustomResourceOptions) {
    super(provider, { module: "drill", type: "QueueResume", secrets: SECRETS, outputs: ["resumed", "error"] }, name, args, opts);
  }
}
