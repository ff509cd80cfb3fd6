import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { NotifyConfig, parseNotifyConfig } from "../config/notify";
import { main, noticeFromArgs } from "../scripts/notify";
import type { Notice } from "../notify/message";
import { REDACTED } from "../lib/redact";
import { describeDeliveries, sendNotice } from "../notify/notifier";
import { sendMail } from "../notify/transports";
import { onLoopback } from "./helpers/loopback";
import { mailText, MailReceived, Received, startSmtpReceiver, startWebhookReceiver, WebhookCall } from "../sim/services/receivers";

const CREDS = { smtpUsername: "ops-mailer", smtpPassword: "SECRET-smtp-pass-4e1a" };
const GATEWAY_TOKEN = "SECRET-gateway-token-2b6f";

let hook: Received<WebhookCall>;
let smtp: Received<MailReceived> & { port: number };
let config: NotifyConfig;

beforeAll(async () => {
  [hook, smtp] = await Promise.all([startWebhookReceiver(), startSmtpReceiver({ user: CREDS.smtpUsername, pass: CREDS.smtpPassword })]);
  config = parseNotifyConfig({ smtp: { host: "127.0.0.1", port: smtp.port }, timeoutMs: 3000 });
});
afterAll(async () => {
  await Promise.all([hook?.close(), smtp?.close()]);
});
beforeEach(() => {
  hook.items.length = 0;
  smtp.items.length = 0;
});

const escalation: Notice = {
  kind: "escalation",
  subject: "QR drill: no QR for session sales-1 after 3 attempts",
  lines: ["Session sales-1: no QR within 60s on each of 3 attempts.", `Gateway called with token ${GATEWAY_TOKEN}`],
  block: "baileys: connection closed (408 QR refs attempts ended)\nbaileys: reconnecting",
};

test("an escalation reaches the webhook and the routed contacts by e-mail, with the log lines and no secret", async () => {
  const webhookUrl = `${hook.url}/hooks/SECRET-webhook-path-77d0`;
  const deliveries = await sendNotice(config, { ...CREDS, webhookUrl }, escalation, [GATEWAY_TOKEN]);
  expect(deliveries.map((d) => [d.transport, d.ok])).toEqual([
    ["webhook", true],
    ["email", true],
  ]);

  expect(hook.items).toHaveLength(1);
  expect(hook.items[0].path).toBe("/hooks/SECRET-webhook-path-77d0");
  const text: string = hook.items[0].json.text;
  expect(text).toContain("*QR drill: no QR for session sales-1 after 3 attempts*");
  expect(text).toContain("```\nbaileys: connection closed (408 QR refs attempts ended)\nbaileys: reconnecting\n```");
  expect(text).toContain(`Gateway called with token ${REDACTED}`);

  expect(smtp.items).toHaveLength(1);
  const mail = smtp.items[0];
  expect(mail.user).toBe("ops-mailer");
  expect(mail.from).toBe("spec1-ops@laptoppro.my");
  expect(mail.to).toEqual(["lead.engineer@laptoppro.my", "oncall@laptoppro.my"]);
  expect(mail.raw).toContain("Subject: [SPEC-1] QR drill: no QR for session sales-1 after 3 attempts");
  expect(mailText(mail.raw)).toContain("baileys: connection closed (408 QR refs attempts ended)");

  const everything = JSON.stringify([hook.items, smtp.items.map((m) => mailText(m.raw)), deliveries]);
  expect(everything).not.toContain(GATEWAY_TOKEN);
  expect(everything).not.toContain(CREDS.smtpPassword);
  // The webhook URL is the one place its secret path may appear: nowhere in the text or the outcomes.
  expect(text + JSON.stringify(deliveries) + describeDeliveries(deliveries)).not.toContain("SECRET-webhook-path-77d0");
});

test("a rollback notice goes to lead, on-call and security", async () => {
  await sendNotice(config, CREDS, { kind: "rollback", subject: "Rollback", lines: ["api: 20240501 → 20240418"] });
  expect(smtp.items[0].to).toEqual(["lead.engineer@laptoppro.my", "oncall@laptoppro.my", "security@laptoppro.my"]);
});

test("a broken webhook does not stop the e-mail, and its outcome hides the URL", async () => {
  const down = await startWebhookReceiver({ status: 500 });
  const url = `${down.url}/hooks/SECRET-webhook-path-99aa`;
  try {
    const deliveries = await sendNotice(
      config,
      { ...CREDS, webhookUrl: url },
      { kind: "preNotice", subject: "QR drill in 15 minutes", lines: ["Outbound automation pauses at 09:00 MYT."] },
    );
    expect(deliveries[0]).toMatchObject({ transport: "webhook", ok: false });
    expect(deliveries[0].detail).toMatch(/^HTTP 500/);
    expect(deliveries[1]).toMatchObject({ transport: "email", ok: true });
    expect(describeDeliveries(deliveries)).not.toContain("SECRET-webhook-path-99aa");
  } finally {
    await down.close();
  }
});

test("a webhook that does not answer is cut at the timeout; wrong SMTP credentials are reported, not thrown", async () => {
  const slow = await startWebhookReceiver({ delayMs: 2000 });
  try {
    const tight = { ...config, timeoutMs: 300 };
    const started = Date.now();
    const deliveries = await sendNotice(
      tight,
      { webhookUrl: slow.url, smtpUsername: "ops-mailer", smtpPassword: "SECRET-wrong-pass-0000" },
      escalation,
    );
    expect(Date.now() - started).toBeLessThan(1900);
    expect(deliveries[0]).toEqual({ transport: "webhook", ok: false, detail: "no answer within 300ms" });
    expect(deliveries[1].ok).toBe(false);
    expect(deliveries[1].detail).toContain("127.0.0.1");
    expect(deliveries[1].detail).not.toContain("SECRET-wrong-pass-0000");
  } finally {
    await slow.close();
  }
});

test("an SMTP server trickling its replies a byte every 300 ms is cut at the timeout, and its connection closed", async () => {
  let closed = false;
  // Greets at once (the greeting has its own timeout), then answers every command one byte at a time.
  const server = await onLoopback(
    net.createServer((sock) => {
      let queue = "";
      sock.write("220 trickle ready\r\n");
      const timer = setInterval(() => queue && (sock.write(queue[0]), (queue = queue.slice(1))), 300);
      sock.on("data", (d) => {
        const text = d.toString();
        queue += /^DATA/m.test(text) ? "354 go\r\n" : /\r\n\.\r\n/.test(text) ? "250 queued\r\n" : "250 ok\r\n";
      });
      sock.on("close", () => ((closed = true), clearInterval(timer)));
      sock.on("error", () => undefined);
    }),
  );
  const port = server.port;
  try {
    const started = Date.now();
    const outcome = await sendMail(
      { host: "127.0.0.1", port, secure: false, from: "ops@spec1.test" },
      {},
      { to: ["lead@spec1.test"], subject: "s", text: "t" },
      1000,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(outcome).toEqual({ transport: "email", ok: false, detail: `127.0.0.1:${port}: no complete exchange within 1000ms` });
    for (const stop = Date.now() + 2000; !closed && Date.now() < stop;) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(true);
  } finally {
    await server.close();
  }
});

test("with no transport configured, nothing is sent and the outcome says so", async () => {
  const deliveries = await sendNotice(parseNotifyConfig({}), {}, escalation);
  expect(deliveries).toEqual([]);
  expect(describeDeliveries(deliveries)).toBe("no transport configured (set notify.smtp or the notifyWebhookUrl secret)");
});

describe("scripts/notify.ts, as the pipelines call it", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "spec1-notify-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.cli.yaml"),
      `config:\n  spec1:notify:\n    smtp: { host: 127.0.0.1, port: ${smtp.port} }\n    timeoutMs: 3000\n`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("the restore-failure preset engages the database administrator by webhook and e-mail, secrets from the environment only", async () => {
    const env = {
      SPEC1_NOTIFY_WEBHOOK_URL: `${hook.url}/hook`,
      SPEC1_SMTP_USERNAME: CREDS.smtpUsername,
      SPEC1_SMTP_PASSWORD: CREDS.smtpPassword,
    };
    const code = await main(
      ["--stack", "cli", "--stack-dir", dir, "--preset", "restore-failure", "--link", "https://github.com/acme/spec1/actions/runs/1"],
      env,
    );
    expect(code).toBe(0);
    expect(hook.items[0].json.text).toContain("*Monthly backup restore test FAILED: engage the database administrator*");
    expect(hook.items[0].json.text).toContain("Run: https://github.com/acme/spec1/actions/runs/1");
    expect(smtp.items[0].to).toEqual(["oncall@laptoppro.my", "lead.engineer@laptoppro.my"]);
    expect(mailText(smtp.items[0].raw)).toContain("The disposable Postgres container is kept running for debugging");
    expect(mailText(smtp.items[0].raw)).not.toContain(CREDS.smtpPassword);
    expect(hook.items[0].json.text).toContain("No restore report was written: the run stopped before the restore finished");
  });

  test("restore-failure carries the report when there is one, with the pipeline's lines; its secrets redacted", async () => {
    const report = path.join(dir, "restore-2026-12-02.md");
    fs.writeFileSync(
      report,
      `# Restore test FAILED\n\nsmoke users: 0 rows\nserver postgres://restore:leaked-pw-5@127.0.0.1:55432/restore_test\n`,
    );
    const code = await main(
      ["--stack", "cli", "--stack-dir", dir, "--preset", "restore-failure", "--attach", report, "--line", "Job status: cancelled"],
      {
        SPEC1_NOTIFY_WEBHOOK_URL: `${hook.url}/hook`,
        SPEC1_SMTP_USERNAME: CREDS.smtpUsername,
        SPEC1_SMTP_PASSWORD: CREDS.smtpPassword,
      },
    );
    expect(code).toBe(0);
    const text = String(hook.items[0].json.text);
    expect(text).toContain("The restore report:\nJob status: cancelled\n\n```\n# Restore test FAILED\n\nsmoke users: 0 rows\n");
    expect(text).toContain("postgres://restore:[redacted]@127.0.0.1:55432/restore_test");
    expect(text).not.toContain("leaked-pw-5");
  });

  test("the pre-notice preset says the drill starts in 15 minutes; a failed delivery exits 1", async () => {
    const code = await main(["--stack", "cli", "--stack-dir", dir, "--preset", "drill-pre-notice"], {
      SPEC1_NOTIFY_WEBHOOK_URL: `${hook.url}/hook`,
    });
    expect(code).toBe(1); // no SMTP credentials: the relay refuses the mail
    expect(hook.items[0].json.text).toContain("*Weekly QR re-login drill starts at 09:00 MYT (in 15 minutes)*");
    // A delayed run announces the time the drill will really start (scheduleGuard.ts drill-start).
    await main(["--stack", "cli", "--stack-dir", dir, "--preset", "drill-pre-notice", "--at", "2026-11-30T02:35:00Z"], {
      SPEC1_NOTIFY_WEBHOOK_URL: `${hook.url}/hook`,
    });
    expect(hook.items[1].json.text).toContain("*Weekly QR re-login drill starts at 10:35 MYT (in 15 minutes)*");
  });

  test("arguments are checked before anything is sent", () => {
    expect(() => noticeFromArgs(["--preset", "drill-pre-notice"])).toThrow("--stack is required");
    expect(() => noticeFromArgs(["--stack", "drill", "--preset", "party"])).toThrow(
      "--preset party is not one of drill-pre-notice, restore-failure",
    );
    expect(() => noticeFromArgs(["--stack", "drill", "--kind", "gossip", "--subject", "x"])).toThrow(
      "--kind must be one of preNotice, drillResult, escalation, restoreFailure, rollback",
    );
  });
});
