/**
 * Sends a notice from a pipeline, through the transports of a stack's `spec1:notify` config.
 *   npx tsx scripts/notify.ts --stack drill --preset drill-pre-notice [--at <ISO start>] [--link <run url>]
 *   npx tsx scripts/notify.ts --stack restore --preset restore-failure [--attach <report.md>] [--line "…"]
 *   npx tsx scripts/notify.ts --stack prod --kind rollback --subject "…" --line "…" [--line "…"]
 * (`--stack-dir <dir>` reads Pulumi.<stack>.yaml from another directory.)
 * Transport secrets come from the environment (CI secrets), never from the command line:
 *   SPEC1_NOTIFY_WEBHOOK_URL, SPEC1_SMTP_USERNAME, SPEC1_SMTP_PASSWORD.
 * Exits 1 when no transport is configured or any delivery failed.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { NOTICE_KINDS, NoticeKind, parseNotifyConfig } from "../config/notify";
import { readStackConfig } from "../config/stackFile";
import type { Notice } from "../notify/message";
import { describeDeliveries, NotifyCredentials, sendNotice } from "../notify/notifier";
import { Preset, PRESETS, presetNotice } from "../notify/presets";

export function noticeFromArgs(argv: string[]): { stack: string; stackDir?: string; notice: Notice } {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      "stack-dir": { type: "string" },
      preset: { type: "string" },
      link: { type: "string" },
      kind: { type: "string" },
      subject: { type: "string" },
      line: { type: "string", multiple: true },
      at: { type: "string" },
      attach: { type: "string" },
    },
  });
  if (!values.stack) throw new Error("--stack is required (the Pulumi stack whose spec1:notify config to use, e.g. drill)");
  if (values.preset !== undefined) {
    if (!(PRESETS as readonly string[]).includes(values.preset))
      throw new Error(`--preset ${values.preset} is not one of ${PRESETS.join(", ")}`);
    const startsAt = values.at ? new Date(values.at) : undefined;
    if (startsAt && Number.isNaN(startsAt.getTime()))
      throw new Error(`--at ${values.at} is not a time; use an ISO time, e.g. 2026-11-30T01:00:00Z`);
    // A missing file is "no report": the run stopped before writing it, which the notice says.
    const report = values.attach && fs.existsSync(values.attach) ? fs.readFileSync(values.attach, "utf8") : undefined;
    const opts = { link: values.link, startsAt, report, lines: values.line };
    return { stack: values.stack, stackDir: values["stack-dir"], notice: presetNotice(values.preset as Preset, opts) };
  }
  if (!values.kind || !(NOTICE_KINDS as readonly string[]).includes(values.kind))
    throw new Error(`--kind must be one of ${NOTICE_KINDS.join(", ")} (or use --preset)`);
  if (!values.subject) throw new Error("--subject is required with --kind");
  const lines = [...(values.line ?? []), ...(values.link ? [`Run: ${values.link}`] : [])];
  return {
    stack: values.stack,
    stackDir: values["stack-dir"],
    notice: { kind: values.kind as NoticeKind, subject: values.subject, lines },
  };
}

/** A pipeline's transport secrets: from the environment (CI secrets), never from the command line. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): NotifyCredentials {
  return {
    webhookUrl: env.SPEC1_NOTIFY_WEBHOOK_URL || undefined,
    smtpUsername: env.SPEC1_SMTP_USERNAME || undefined,
    smtpPassword: env.SPEC1_SMTP_PASSWORD || undefined,
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { stack, stackDir, notice } = noticeFromArgs(argv);
  const config = parseNotifyConfig(readStackConfig(stack, stackDir).notify);
  const deliveries = await sendNotice(config, credentialsFromEnv(env), notice);
  process.stderr.write(`notify (${notice.kind}): ${describeDeliveries(deliveries)}\n`);
  return deliveries.length > 0 && deliveries.every((d) => d.ok) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`notify: ${(err as Error).message}\n`);
      process.exit(2);
    },
  );
}
