/** Post-deploy check: the worker drains its BullMQ queues (runbook: "review worker logs for queue draining"). */
import * as pulumi from "@pulumi/pulumi";
import { QueuesInputs, runQueues } from "../../checks/queues";
import { CheckArgs, CheckResource, checkProvider } from "./check";

const SECRETS = ["redisUrl"] as const;
export const provider = checkProvider<QueuesInputs>("queues", SECRETS, runQueues);

export class QueuesCheck extends CheckResource {
  constructor(name: string, args: CheckArgs<QueuesInputs, "worker">, opts?: pulumi.CustomResourceOptions) {
    super(provider, { type: "QueuesCheck", secrets: SECRETS }, name, args, opts);
  }
}
