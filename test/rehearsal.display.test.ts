/** The rehearsal's display rule (rehearsal/display.ts): what `pulumi up` shows of a message, and when. */
import { infoColumn, PulumiDisplay, STACK_ROW } from "../rehearsal/display";

const QR = [
  "session sales-1: scan this QR with the dedicated device (attempt 1/3)",
  "█▀▀▀▀▀█ ▄▀ █▀▀▀▀▀█",
  "█ ███ █ ▀▄ █ ███ █",
  "▀▀▀▀▀▀▀ ▀ ▀▀▀▀▀▀▀",
];

test("a row shows the first line of a message (rows.go getInfoColumn)", () => {
  expect(infoColumn(QR.join("\n"))).toBe(QR[0]);
  expect(infoColumn("one line")).toBe("one line");
  expect(infoColumn("")).toBe("");
});

test("progress: a multi-line QR shows only its first line during the update, and in full under Diagnostics at its end", () => {
  const display = new PulumiDisplay("progress");
  const during = [
    ...display.hostLine("info: [runtime] pause: paused outbound-messages"),
    ...display.hostLine(`info: [runtime] ${QR[0]}`),
    ...QR.slice(1).flatMap((l) => display.hostLine(l)),
    ...display.message({
      row: "spec1-drill-relogin-sales-1",
      severity: "error",
      text: "session sales-1: no QR after 3 attempts\n  attempt 1: …",
    }),
  ];
  expect(during).toEqual([
    `      │ ${STACK_ROW}: info: [runtime] pause: paused outbound-messages`,
    `      │ ${STACK_ROW}: info: [runtime] ${QR[0]}`,
    "      │ spec1-drill-relogin-sales-1: error: session sales-1: no QR after 3 attempts",
  ]);
  expect(during.join("\n")).not.toContain(QR[1]);
  expect(display.end()).toEqual([
    "    Diagnostics:",
    `      ${STACK_ROW}:`,
    "        info: [runtime] pause: paused outbound-messages",
    `        info: [runtime] ${QR[0]}`,
    ...QR.slice(1).map((l) => `        ${l}`),
    "",
    "      spec1-drill-relogin-sales-1:",
    "        error: session sales-1: no QR after 3 attempts",
    "          attempt 1: …",
    "",
  ]);
  // The next update starts afresh: nothing repeated, and an update without messages has no section.
  expect(display.end()).toEqual([]);
});

test("progress: a row is printed again only when what it shows changes", () => {
  const display = new PulumiDisplay("progress");
  expect(display.message({ row: "r", severity: "info", text: "waiting\nfor a scan" })).toEqual(["      │ r: waiting"]);
  expect(display.message({ row: "r", severity: "info", text: "waiting\nstill" })).toEqual([]);
  expect(display.message({ row: "r", severity: "warning", text: "late" })).toEqual(["      │ r: warning: late"]);
});

test("--diff: every message in full as it arrives, and no Diagnostics section", () => {
  const display = new PulumiDisplay("diff");
  const lines = [...display.hostLine(`info: [runtime] ${QR[0]}`), ...QR.slice(1).flatMap((l) => display.hostLine(l))];
  expect(lines).toEqual([`      │ info: [runtime] ${QR[0]}`, ...QR.slice(1).map((l) => `      │ ${l}`)]);
  expect(display.message({ row: "r", severity: "error", text: "failed\nbecause" })).toEqual(["      │ error: failed", "      │ because"]);
  expect(display.end()).toEqual([]);
});
