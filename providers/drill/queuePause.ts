/** Drill step 1: pause outbound automation (the worker dashboard's pause, on the BullMQ queues). */
import * as pulumi from "@pulumi/pulumi";
import { pauseStep, QueueStepInputs } from "../../drill/steps";
import { Args, DynamicResource } from "../kit";
import { stepProvider } from "./step";

const SECRETS = ["redisUrl"] as const;
export const provider = stepProvider((i) => `pause-${i.runId}`, ["queues", "queuePrefix"], pauseStep, SECRETS);

export class QueuePause extends DynamicResource {
  declare readonly pausedByDrill: pulumi.Output<string[]>;
  declare readonly alreadyPaused: pulumi.Output<string[]>;
  declare readonly leftoverFrom: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: Args<QueueStepInputs>, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      { module: "drill", type: "QueuePause", secrets: SECRETS, outputs: ["pausedByDrill", "alreadyPaused", "leftoverFrom"] },
      name,
      args,
      opts,
    );
  }
}
