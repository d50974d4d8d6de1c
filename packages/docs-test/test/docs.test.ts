import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectExamples, type Example } from "../src/extract.js";
import { runSnippet } from "../src/run.js";
import { replay } from "../src/transcript.js";
import { declaresGivens, type SnippetFile, typecheckExamples } from "../src/typecheck.js";

const root = resolve(import.meta.dirname, "../../..");
const examples = collectExamples(root);
const code = examples.filter((example) => example.kind === "code");
const noRun = (example: Example) => example.tags.includes("needs-server") || example.tags.includes("no-run");
const transcripts = examples.filter((example) => example.kind === "console" && !noRun(example));
const pages = [...new Set(transcripts.map((example) => example.file))];

// The examples are written to a temporary directory that links this package's node_modules, so they
// import the workspace packages as a user's project would, and stay out of the repository.
let checked: { files: SnippetFile[]; errors: Map<SnippetFile, string[]> };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "credstack-examples-"));
  symlinkSync(join(import.meta.dirname, "..", "node_modules"), join(dir, "node_modules"), "dir");
  checked = typecheckExamples(root, code, dir);
});
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});
const fileOf = (example: Example): SnippetFile => {
  const file = checked.files.find((candidate) => candidate.example === example);
  if (file === undefined) throw new Error(`no snippet file for ${example.where}`);
  return file;
};

it("finds the examples of README.md, docs/ and the TSDoc @example blocks", () => {
  expect(code.length).toBeGreaterThan(50);
  expect(transcripts.length).toBeGreaterThan(3);
  expect(code.some((example) => example.file === "README.md")).toBe(true);
  expect(code.some((example) => example.packageName !== undefined)).toBe(true);
});

describe("type-checks under tsconfig.base.json", () => {
  it.each(code.map((example) => [example.where, example] as const))("%s", (_where, example) => {
    expect(checked.errors.get(fileOf(example))).toEqual([]);
  });
});

describe("runs (examples that need nothing external)", () => {
  const runnable = code.filter((example) => !noRun(example) && !declaresGivens(example.text));
  it.each(runnable.map((example) => [example.where, example] as const))("%s", async (_where, example) => {
    expect(checked.errors.get(fileOf(example))).toEqual([]);
    const output = await runSnippet(fileOf(example));
    if (example.tags.includes("vitest")) expect(output).toMatch(/Tests\s+\d+ passed \(\d+\)/);
  });
});

describe("CLI transcripts print what the page shows", () => {
  it.each(pages)("%s", (page) => {
    expect(
      replay(
        root,
        transcripts.filter((example) => example.file === page),
      ).join("\n\n"),
    ).toBe("");
  });
});
