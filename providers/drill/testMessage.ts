/** Drill step 4, the runbook's verification: a test message that must reach the chat console. */
import * as pulumi from "@pulumi/pulumi";
import type { TestMessageReport } from "../../drill/testMessage";
import { TestMessageInputs, testMessageStep } from "../../drill/steps";
import { Args, DynamicResource } from "../kit";
import { stepProvider } from "./step";

const SECRETS = ["gatewayToken"] as const;
export const provider = stepProvider((i) => `test-message-${i.runId}`, ["chatId", "session"], testMessageStep, SECRETS);

export class TestMessage extends DynamicResource {
  declare readonly report: pulumi.Output<TestMessageReport>;

  constructor(name: string, args: Args<TestMessageInputs>, opts?: pulumi.CustomResourceOptions) {
    super(provider, { module: "drill", type: "TestMessage", secrets: SECRETS, outputs: ["report"] }, name, args, opts);
  }
}
