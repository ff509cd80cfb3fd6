/**
 * The disposable Postgres as a resource: created by `pulumi up`, removed by `pulumi destroy`, kept when
 * the restore fails (the pipeline skips the destroy). A different engine, port, image, bin dir or
 * settings is a different server: replaced, the old one removed first (it holds the port).
 */
import * as pulumi from "@pulumi/pulumi";
import { explainFailure } from "../../notify/nextSteps";
import { createServer, deleteServer, ServerOutputs, ServerRequest, serverIdentity } from "../../restore/disposableServer";
import { changedKeys, wireSafe } from "../identity";
import { Args, DynamicResource, engineLog, replaceOn, typedProvider } from "../kit";

export const provider = typedProvider<ServerRequest, ServerOutputs>({
  async create(inputs) {
    const server = await explainFailure("restore", [], () => createServer(inputs, engineLog()));
    return { id: server.instanceId, outs: wireSafe(server) };
  },
  async diff(_id, olds, news) {
    return replaceOn(changedKeys(serverIdentity(olds), serverIdentity(news)), true);
  },
  async delete(_id, olds) {
    await deleteServer(olds);
  },
});

export class DisposablePostgres extends DynamicResource {
  declare readonly engine: pulumi.Output<"docker" | "local">;
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly user: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;
  declare readonly binDir: pulumi.Output<string | undefined>;
  declare readonly baseDir: pulumi.Output<string | undefined>;
  declare readonly container: pulumi.Output<string | undefined>;

  constructor(name: string, args: Args<ServerRequest>, opts?: pulumi.CustomResourceOptions) {
    const outputs = ["instanceId", "host", "user", "password", "baseDir", "container", "requested"];
    super(provider, { module: "restore", type: "DisposablePostgres", outputs, secretOutputs: ["password"] }, name, args, opts);
  }
}
