import { parseNotifyConfig } from "../config/notify";
import { readStackConfig } from "../config/stackFile";
import { recipientsFor } from "../notify/notifier";

test("defaults are the runbook's contacts, routed per notice kind, with no SMTP", () => {
  const c = parseNotifyConfig(undefined);
  expect(c.contacts).toEqual({ lead: "lead.engineer@laptoppro.my", oncall: "oncall@laptoppro.my", security: "security@laptoppro.my" });
  expect(c.routes.escalation).toEqual(["lead", "oncall"]);
  expect(c.routes.rollback).toEqual(["lead", "oncall", "security"]);
  expect(c.smtp).toBeUndefined();
  expect(c.timeoutMs).toBe(10000);
});

test("an extra contact can be routed, e.g. a database administrator for restore failures", () => {
  const c = parseNotifyConfig({
    contacts: { oncall: "oncall@laptoppro.my", dba: "dba@laptoppro.my" },
    routes: {
      restoreFailure: ["dba", "oncall"],
      preNotice: ["oncall"],
      drillResult: ["oncall"],
      escalation: ["oncall"],
      rollback: ["oncall"],
    },
  });
  expect(c.routes.restoreFailure).toEqual(["dba", "oncall"]);
});

test.each([
  [{ smtp: { port: 25 } }, "notify.smtp.host: is not set; set the SMTP relay host, e.g. smtp.laptoppro.my"],
  [{ smtp: { host: "h", from: "nobody" } }, 'notify.smtp.from: "nobody" is not an e-mail address; set e.g. spec1-ops@laptoppro.my'],
  [
    { contacts: { lead: "lead at laptoppro" } },
    'notify.contacts.lead: "lead at laptoppro" is not an e-mail address; set e.g. oncall@laptoppro.my',
  ],
  [
    { routes: { escalation: ["cto"] } },
    'notify.routes.escalation: "cto" is not a contact; use names of notify.contacts: lead, oncall, security',
  ],
  [
    { routes: { escalate: ["lead"] } },
    "notify.routes.escalate: is not a known key; use one of preNotice, drillResult, escalation, restoreFailure, rollback",
  ],
  [{ webhookUrl: "https://hooks.slack.com/x" }, "notify.webhookUrl: is not a known key; use one of contacts, routes, smtp, timeoutMs"],
])("%j is rejected naming the key and the fix", (raw, message) => {
  expect(() => parseNotifyConfig(raw)).toThrow(message);
});

test("the restore and drill stack files e-mail their notices: a failed restore test reaches on-call and the lead", () => {
  for (const stack of ["restore", "drill"]) {
    const c = parseNotifyConfig(readStackConfig(stack).notify);
    expect({ stack, host: c.smtp?.host }).toEqual({ stack, host: "smtp.laptoppro.my" });
  }
  const restore = parseNotifyConfig(readStackConfig("restore").notify);
  expect(recipientsFor(restore, { kind: "restoreFailure" })).toEqual(["oncall@laptoppro.my", "lead.engineer@laptoppro.my"]);
});
