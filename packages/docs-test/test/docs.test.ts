import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
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

let checked: { files: SnippetFile[]; errors: Map<SnippetFile, string[]> };
beforeAll(() => {
  checked = typecheckExamples(root, code, join(import.meta.dirname, "..", "node_modules", ".snippets"));
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
  it.each(code)("$where", (example) => {
    expect(checked.errors.get(fileOf(example))).toEqual([]);
  });
});

describe("runs (examples that need nothing external)", () => {
  const runnable = code.filter((example) => !noRun(example) && !declaresGivens(example.text));
  it.each(runnable)("$where", async (example) => {
    expect(checked.errors.get(fileOf(example))).toEqual([]);
    await runSnippet(fileOf(example));
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
