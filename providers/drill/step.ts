/**
 * The shape of every drill step: its create runs the step; it re-runs when `runId` or one of its
 * identity keys changes; its delete does nothing (a drill is not undone).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Log } from "../../lib/log";
import { redactDeep, redactingLog } from "../../lib/redact";
import { explainFailure } from "../../notify/nextSteps";
import { changedKeys, pick } from "../identity";
import { engineLog, replaceOn, typedProvider } from "../kit";

export function stepProvider<I extends { runId: string }, O extends object>(
  id: (inputs: I) => string,
  identity: readonly (keyof I & string)[],
  run: (inputs: I, log: Log) => Promise<O>,
  /** The step's secret inputs: redacted from its log, its failure and its outputs, whatever a peer echoes. */
  secretKeys: readonly (keyof I & string)[],
): pulumi.dynamic.ResourceProvider {
  const keys = ["runId", ...identity];
  return typedProvider<I, O>({
    async diff(_id, olds, news) {
      return replaceOn(changedKeys(pick(olds as Record<string, unknown>, keys), pick(news, keys)));
    },
    async create(inputs) {
      const secrets = secretKeys.map((k) => inputs[k]);
      const outs = await explainFailure("drill", secrets, () => run(inputs, redactingLog(engineLog(), secrets)));
      return { id: id(inputs), outs: redactDeep(outs, secrets) };
    },
    async delete() {},
  });
}
