import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import ts from "typescript";
import type { SnippetFile } from "./typecheck.js";

/**
 * Runs one type-checked example: transpiled to JavaScript next to its `.ts` file (so it imports the
 * workspace packages), executed by Node in a fresh empty working directory. Resolves with the output
 * on exit code 0, rejects with it otherwise (or after `timeoutMs`).
 */
export async function runSnippet(file: SnippetFile, timeoutMs = 60_000): Promise<string> {
  const { outputText } = ts.transpileModule(file.source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
    fileName: file.path,
  });
  if (file.example.tags.includes("vitest")) return runVitest(file, timeoutMs);
  const script = file.path.replace(/\.ts$/, ".mjs");
  await writeFile(script, outputText);
  const cwd = await mkdtemp(join(tmpdir(), "credstack-example-"));
  try {
    return await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [script],
        { cwd, timeout: timeoutMs, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
        (error, stdout, stderr) => {
          const output = `${stdout}${stderr}`;
          if (error)
            reject(new Error(`${file.example.where} failed (${error.message.split("\n")[0]}):\n${output}`));
          else resolve(output);
        },
      );
    });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Runs an example tagged `vitest` (a test file, such as a store's conformance run) with Vitest, in its directory. */
function runVitest(file: SnippetFile, timeoutMs: number): Promise<string> {
  const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
  const root = dirname(file.path);
  return new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [vitest, "run", "--root", root, basename(file.path)],
      { cwd: root, timeout: timeoutMs, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (error) reject(new Error(`${file.example.where} failed its tests:\n${output}`));
        else if (/Tests\s+.*(failed|skipped)/.test(output))
          reject(new Error(`${file.example.where}: ${output}`));
        else resolve(output);
      },
    );
  });
}
