/** Drill step 2, per session: connect, show each QR, wait for `open`; escalate after the last attempt. */
import * as pulumi from "@pulumi/pulumi";
import type { SessionOutcome } from "../../drill/report";
import { ReloginInputs, reloginStep } from "../../drill/steps";
import { Args, DynamicResource } from "../kit";
import { stepProvider } from "./step";

const SECRETS = ["gatewayToken", "notifyCredentials"] as const;
export const provider = stepProvider((i) => `${i.session}-${i.runId}`, ["session"], reloginStep, SECRETS);

export class SessionRelogin extends DynamicResource {
  declare readonly ok: pulumi.Output<boolean>;
  /** The session's outcome, for the later steps. */
  readonly outcome: pulumi.Output<SessionOutcome>;

  constructor(name: string, args: Args<ReloginInputs>, opts?: pulumi.CustomResourceOptions) {
    const shape = {
      module: "drill",
      type: "SessionRelogin",
      secrets: SECRETS,
      outputs: ["ok", "result", "maxAttempts", "attempts", "escalation"],
    };
    super(provider, shape, name, args, opts);
    const self = this as unknown as Record<string, pulumi.Output<any>>;
    this.outcome = pulumi
      .all([args.session, self.ok, self.result, self.maxAttempts, self.attempts, self.escalation])
      .apply(([session, ok, result, maxAttempts, attempts, escalation]): SessionOutcome =>
        escalation === undefined
          ? { session, ok, result, maxAttempts, attempts }
          : { session, ok, result, maxAttempts, attempts, escalation },
      );
  }
}
