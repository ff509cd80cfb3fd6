import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { entryTimestamp, markdownCode, markdownTable, writeOpsLogEntry } from "../lib/opsLog";

test("writes the Markdown and JSON entry side by side, leaving no temp file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opslog-"));
  try {
    const files = writeOpsLogEntry(path.join(dir, "reports"), "restore-x", "# Restore", { ok: true });
    expect(fs.readFileSync(files.markdownPath, "utf8")).toBe("# Restore\n");
    expect(JSON.parse(fs.readFileSync(files.jsonPath, "utf8"))).toEqual({ ok: true });
    expect(fs.readdirSync(path.join(dir, "reports")).sort()).toEqual(["restore-x.json", "restore-x.md"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("timestamps are file-name safe and tables escape pipes", () => {
  expect(entryTimestamp(new Date("2026-11-04T14:00:00.123Z"))).toBe("2026-11-04T14-00-00Z");
  expect(markdownTable(["status", "n"], [["a|b", 2]])).toBe("| status | n |\n| --- | --- |\n| a\\|b | 2 |");
  expect(markdownCode("x ``` y")).toBe("~~~~\nx ``` y\n~~~~");
});
