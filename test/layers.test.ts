/**
 * The layers of docs/architecture.md hold: the lint rule (eslint.config.mjs) refuses each kind of
 * crossing, and no file imports itself through others, type-only imports included.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

/** Every .ts file of the project, relative to its root. */
function projectFiles(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === "node_modules" || e.name.startsWith(".")) return [];
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return projectFiles(full);
    return e.name.endsWith(".ts") ? [path.relative(ROOT, full)] : [];
  });
}

/** The project files `file` imports (import, import type, export from, require, import()). */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), "utf8"), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith("."))
    .map((spec) => path.normalize(path.join(path.dirname(file), spec)))
    .flatMap((base) => [`${base}.ts`, path.join(base, "index.ts")].filter((candidate) => known.has(candidate)).slice(0, 1));
}

/** Strongly connected components of more than one file (Tarjan), or a file importing itself. */
function cycles(graph: ReadonlyMap<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do component.push((w = stack.pop()!));
      while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

test("no import cycles between the project's files", () => {
  const files = projectFiles();
  const known = new Set(files);
  const graph = new Map(files.map((f) => [f, importsOf(f, known)]));
  expect(graph.get("index.ts")).toEqual(expect.arrayContaining(["components/appServices.ts"]));
  expect(cycles(graph)).toEqual([]);
});

test("the cycle finder finds a type-only cycle", () => {
  expect(
    cycles(
      new Map([
        ["a", ["b"]],
        ["b", ["a"]],
        ["c", ["a"]],
      ]),
    ),
  ).toEqual([["a", "b"]]);
});

/**
 * ESLint's messages for each `[file, source]`, linted as if the file stood there. In a child process:
 * ESLint loads its flat config with a dynamic import, which jest's module sandbox refuses.
 */
function lintTexts(cases: readonly (readonly [string, string])[]): string[][] {
  const script = `
    const { ESLint } = require("eslint");
    const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const eslint = new ESLint({ cwd: process.cwd() });
    Promise.all(cases.map(([file, source]) => eslint.lintText(source, { filePath: require("path").join(process.cwd(), file) })))
      .then((results) => process.stdout.write(JSON.stringify(results.map(([r]) => r.messages.map((m) => m.message)))));`;
  const run = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, input: JSON.stringify(cases), encoding: "utf8", timeout: 60000 });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const REFUSED: readonly (readonly [string, string, string])[] = [
  ["checks/probe.ts", 'import * as pulumi from "@pulumi/pulumi";', "Pulumi-free"],
  ["restore/probe.ts", 'import type { Output } from "@pulumi/pulumi";', "Pulumi-free"],
  ["lib/probe.ts", 'import { dockerRunCommand } from "../restore/commands";', "lib/ is the bottom layer"],
  ["config/probe.ts", 'import { runSmokeQueries } from "../restore/smoke";', "config/ reads and validates settings"],
  ["drill/probe.ts", 'import { DynamicResource } from "../providers/kit";', "called by providers"],
  ["notify/probe.ts", 'import { runProgram } from "../harness/program";', "Pulumi harness"],
  ["providers/probe.ts", 'import { startGateway } from "../sim/standins/gateway";', "simulated SPEC-1"],
  ["components/probe.ts", 'import { rehearse } from "../rehearsal/rehearse";', "never imports tests"],
  ["sim/probe.ts", 'import { startProviderHost } from "../harness/providerHost";', "Pulumi harness"],
  ["rehearsal/probe.ts", 'import * as pulumi from "@pulumi/pulumi";', "Pulumi-free"],
];

const ALLOWED: readonly (readonly [string, string])[] = [
  ["components/probe.ts", 'import * as pulumi from "@pulumi/pulumi";'],
  ["providers/probe.ts", 'import { runQrPath } from "../checks/qrPath";'],
  ["test/probe.ts", 'import { startProviderHost } from "../harness/providerHost";'],
  ["rehearsal/probe.ts", 'import { startGateway } from "../sim/standins/gateway";'],
];

test("the lint rule refuses every layer crossing, and allows what the layers allow", () => {
  const messages = lintTexts([...REFUSED, ...ALLOWED].map(([file, source]) => [file, `${source}\nexport {};\n`] as const));
  REFUSED.forEach(([file, source, message], i) =>
    expect({ file, source, messages: messages[i].join("\n") }).toEqual({ file, source, messages: expect.stringContaining(message) }),
  );
  ALLOWED.forEach(([file, source], i) =>
    expect({ file, source, messages: messages[REFUSED.length + i] }).toEqual({ file, source, messages: [] }),
  );
});
