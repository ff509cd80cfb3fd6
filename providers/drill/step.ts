/**
 * The shape of every drill step: its create runs the step; it re-runs when `runId` or one of its
 * identity keys changes; its delete does nothing (a drill is not undone).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Log } from "../../lib/log";
import { changedKeys, pick } from "../identity";
import { engineLog, replaceOn, typedProvider } from "../kit";

export function stepProvider<I extends { runId: string }, O extends object>(
  id: (inputs: I) => string,
  identity: readonly (keyof I & string)[],
  run: (inputs: I, log: Log) => Promise<O>,
): pulumi.dynamic.ResourceProvider {
  const keys = ["runId", ...identity];
  return typedProvider<I, O>({
    async diff(_id, olds, news) {
      return replaceOn(changedKeys(pick(olds as Record<string, unknown>, keys), pick(news, keys)));
    },
    async create(inputs) {
      return { id: id(inputs), outs: await run(inputs, engineLog()) };
    },
    async delete() {},
  });
}
