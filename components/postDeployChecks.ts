/**
 * The runbook's rollback validation, run by `pulumi up` itself after the containers change: api health,
 * web console, Baileys send rate, worker queues draining, QR path. The checks are independent resources,
 * so the engine runs them in parallel; each carries the digest(s) of the image(s) it verifies, so an image
 * change re-runs exactly the checks of that image and an unchanged stack re-runs none.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApiHealthCheck } from "../providers/checks/apiHealth";
import { QrPathCheck } from "../providers/checks/qrPath";
import { QueuesCheck } from "../providers/checks/queues";
import { SendRateCheck } from "../providers/checks/sendRate";
import { WebConsoleCheck } from "../providers/checks/webConsole";
import { ChecksConfig } from "../config/checks";
import { Service } from "../config/app";
import { RunningImage } from "./appServices";

/** The images each check verifies, by check kind: a new digest of one re-runs exactly these checks. */
export const CHECK_IMAGES: Readonly<Record<string, readonly Service[]>> = {
  "api-health": ["api"],
  "web-console": ["web"],
  "send-rate": ["baileys"],
  queues: ["worker"],
  "qr-path": ["baileys"],
};

export interface PostDeployChecksArgs {
  /** Parsed `spec1:checks` (defaults in CHECKS_DEFAULTS). */
  readonly config: ChecksConfig;
  /** The running images (AppServices.images): each check takes the digests it verifies. */
  readonly images: pulumi.Output<Record<Service, RunningImage>>;
  /** What the checks must wait for: the containers, so they run after the deploy. */
  readonly after: readonly pulumi.Resource[];
  readonly secrets: {
    /** The product's Redis (queues check). */
    readonly redisUrl: pulumi.Output<string>;
    /** The gateway's bearer token (send-rate and QR checks). */
    readonly gatewayToken: pulumi.Output<string>;
  };
}

export class PostDeployChecks extends pulumi.ComponentResource {
  /** What each check measured when it passed. */
  readonly results: pulumi.Output<Record<string, Record<string, unknown>>>;

  constructor(name: string, args: PostDeployChecksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("spec1:checks:PostDeployChecks", name, {}, opts);
    const checkOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: [...args.after] };
    const checks = {
      apiHealth: this.checkApiHealth(name, args, checkOpts),
      webConsole: this.checkWebConsole(name, args, checkOpts),
      sendRate: this.checkSendRate(name, args, checkOpts),
      queues: this.checkQueues(name, args, checkOpts),
      qrPath: this.checkQrPath(name, args, checkOpts),
    };
    const names = Object.keys(checks);
    this.results = pulumi
      .all(Object.values(checks).map((c) => c.result))
      .apply((results) => Object.fromEntries(names.map((n, i) => [n, results[i]])));
    this.registerOutputs({ results: this.results });
  }

  /** The digests a check of `kind` verifies, by service (CHECK_IMAGES). */
  private imagesOf(args: PostDeployChecksArgs, kind: string): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(CHECK_IMAGES[kind].map((s) => [s, args.images.apply((images) => images[s].digest)]));
  }

  private checkApiHealth(name: string, args: PostDeployChecksArgs, opts: pulumi.CustomResourceOptions) {
    const images = this.imagesOf(args, "api-health");
    return new ApiHealthCheck(`${name}-api-health`, { runId: args.config.runId, images, ...args.config.health }, opts);
  }

  private checkWebConsole(name: string, args: PostDeployChecksArgs, opts: pulumi.CustomResourceOptions) {
    const images = this.imagesOf(args, "web-console");
    return new WebConsoleCheck(`${name}-web-console`, { runId: args.config.runId, images, ...args.config.web }, opts);
  }

  private checkSendRate(name: string, args: PostDeployChecksArgs, opts: pulumi.CustomResourceOptions) {
    const images = this.imagesOf(args, "send-rate");
    const settings = { runId: args.config.runId, images, ...args.config.sendRate, gatewayToken: args.secrets.gatewayToken };
    return new SendRateCheck(`${name}-send-rate`, settings, opts);
  }

  private checkQueues(name: string, args: PostDeployChecksArgs, opts: pulumi.CustomResourceOptions) {
    const images = this.imagesOf(args, "queues");
    return new QueuesCheck(
      `${name}-queues`,
      { runId: args.config.runId, images, ...args.config.queues, redisUrl: args.secrets.redisUrl },
      opts,
    );
  }

  private checkQrPath(name: string, args: PostDeployChecksArgs, opts: pulumi.CustomResourceOptions) {
    const images = this.imagesOf(args, "qr-path");
    const { httpUrl, wsUrl } = args.config.gateway;
    const settings = { runId: args.config.runId, images, httpUrl, wsUrl, ...args.config.qr, gatewayToken: args.secrets.gatewayToken };
    return new QrPathCheck(`${name}-qr-path`, settings, opts);
  }
}
