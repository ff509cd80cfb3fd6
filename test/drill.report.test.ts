/** What the operator reads: durations, attempt counts, the escalation's claim about the queues, the report's times. */
import { qrBlock } from "../drill/relogin";
import { DrillReport, drillMarkdown, escalationNotice, sessionLines } from "../drill/report";
import { formatDuration, malaysiaDateTime } from "../lib/time";

const FAILED = {
  session: "s1",
  ok: false,
  result: "qr-expired" as const,
  maxAttempts: 3,
  attempts: [{ attempt: 1, result: "qr-expired" as const, qrShown: true, qrsShown: 4, detail: "4 QR(s) expired before a scan", ms: 80000 }],
};

test.each([
  [800, "0.8 s"],
  [2000, "2 s"],
  [45_000, "45 s"],
  [60_000, "1 min"],
  [270_000, "4 min 30 s"],
  [-5, "0 s"],
])("formatDuration(%i) is %j: a short wait is never '0 min'", (ms, text) => {
  expect(formatDuration(ms)).toBe(text);
});

test("the QR's first line, the one Pulumi's row shows, names attempt n/N, the QR's number, the drill page and the wait left", async () => {
  const at = { attempt: 2, maxAttempts: 3, qrNumber: 4 };
  const block = await qrBlock("s1", "2@x,ref,key", 1500, at, "http://127.0.0.1:8765/d/0f3a/");
  expect(block.split("\n")[0]).toBe(
    "session s1: scan this QR (attempt 2/3, QR 4) on the drill page http://127.0.0.1:8765/d/0f3a/ with the dedicated device (WhatsApp › Linked devices › Link a device); waiting up to 1.5 s for open",
  );
  // No page (its port was taken): the line says nothing of one.
  expect((await qrBlock("s1", "2@x,ref,key", 1500, at)).split("\n")[0]).toMatch(
    /^session s1: scan this QR \(attempt 2\/3, QR 4\) with the dedicated device/,
  );
});

test("a summary says attempt n of the attempts allowed, as the progress did; the escalation does not claim the queues are resumed", () => {
  const report = { sessions: [FAILED] } as unknown as DrillReport;
  expect(sessionLines(report)).toEqual(["FAIL s1: qr-expired (attempt 1/3: 4 QR(s) expired before a scan)"]);
  const notice = escalationNotice("r1", FAILED, 20, "logs");
  expect(notice.lines[0]).not.toContain("is resumed");
  expect(notice.lines[0]).toContain("the drill resumes outbound automation after the last session");
  expect(notice.lines[1]).toBe("attempt 1/3: qr-expired (4 QR(s) shown) — 4 QR(s) expired before a scan");
});

test("the report's finish time is in Malaysia time like its title's date, with UTC beside it", () => {
  const finishedAt = "2026-11-30T01:05:00.000Z"; // 09:05 MYT
  expect(malaysiaDateTime(new Date(finishedAt))).toBe("2026-11-30 09:05 MYT");
  const md = drillMarkdown({
    runId: "2026-11-30",
    finishedAt,
    pause: { pausedByDrill: [], alreadyPaused: [], leftoverFrom: {} },
    resume: { resumed: [] },
    sessions: [],
    testMessage: { ok: true, chatId: "c", detail: "ok", ms: 1 },
  } as unknown as DrillReport);
  expect(md).toContain("# QR re-login drill 2026-11-30\n\nFinished 2026-11-30 09:05 MYT (2026-11-30T01:05:00.000Z). Result: **passed**");
});
