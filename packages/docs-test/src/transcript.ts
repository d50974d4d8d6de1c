import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Example } from "./extract.js";

/** One `$ command` of a transcript and the output the page shows for it. */
export interface Step {
  readonly command: string;
  readonly expected: readonly string[];
}

/** Splits a `console` block into commands (`$ …`, continued by a trailing `\`) and their output. */
export function parseTranscript(text: string): Step[] {
  const steps: { command: string; expected: string[] }[] = [];
  const lines = text.replace(/\n+$/, "").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith("$ ")) {
      let command = line.slice(2);
      while (command.endsWith("\\") && i + 1 < lines.length)
        command = `${command.slice(0, -1)}\n${lines[++i]}`;
      steps.push({ command, expected: [] });
    } else if (steps.length > 0) {
      steps[steps.length - 1]?.expected.push(line);
    } else if (line.trim() !== "") {
      throw new Error(`output before the first "$ " command: ${line}`);
    }
  }
  for (const step of steps) while (step.expected.at(-1)?.trim() === "") step.expected.pop();
  return steps;
}

/** Normalises what varies between runs, on both sides: times, relative ages, key ids, trailing space. */
export function normalise(line: string): string {
  return line
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .replace(/\((in )?\d+[smhd]( ago)?\)/g, "(<age>)")
    .replace(/\bk-[0-9a-f]{16}\b/g, "k-<id>")
    .trimEnd();
}

/** True when `actual` matches `expected`, where `…` in `expected` stands for any text on that line. */
export function lineMatches(expected: string, actual: string): boolean {
  const pattern = expected
    .split("…")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(actual);
}

/** A fresh working directory for one page's transcripts: a copy of examples/legacy-credentials, a `credstack` on PATH. */
export interface Session {
  readonly cwd: string;
  run(command: string): { output: string[]; status: number };
  dispose(): void;
}

/** Opens a session for the CLI built at `root`/packages/cli. */
export function openSession(root: string): Session {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "credstack-docs-")));
  const cwd = join(base, "app");
  const bin = join(base, "bin");
  cpSync(join(root, "examples", "legacy-credentials"), join(cwd, "examples", "legacy-credentials"), {
    recursive: true,
  });
  const cli = join(root, "packages", "cli", "dist", "bin.js");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build the CLI first (pnpm build).`);
  mkdirSync(bin);
  writeFileSync(join(bin, "credstack"), `#!/bin/sh\nexec node ${JSON.stringify(cli)} "$@"\n`, {
    mode: 0o755,
  });
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("CREDSTACK_")) env[name] = value;
  }
  env.PATH = `${bin}:${process.env.PATH ?? ""}`;
  env.NO_COLOR = "1";
  let previous = 0;
  return {
    cwd,
    run(command) {
      const result = spawnSync("bash", ["-c", `exec 2>&1\n(exit ${previous})\n${command}`], {
        cwd,
        env,
        encoding: "utf8",
        timeout: 60_000,
      });
      previous = result.status ?? 1;
      const output = (result.stdout ?? "")
        .split(cwd)
        .join("/srv/app")
        .replace(/\n+$/, "")
        .split("\n")
        .filter((line, index, all) => !(all.length === 1 && index === 0 && line === ""));
      return { output, status: previous };
    },
    dispose() {
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * Replays the transcripts of one page in one session, in order (after each block's setup commands).
 * Returns a description of every mismatch (empty: the page prints what it shows).
 */
export function replay(root: string, blocks: readonly Example[]): string[] {
  const session = openSession(root);
  const problems: string[] = [];
  try {
    for (const block of blocks) {
      for (const command of block.setup) {
        const { output, status } = session.run(command);
        if (status !== 0)
          problems.push(`${block.where}: setup "${command}" exited ${status}:\n${output.join("\n")}`);
      }
      for (const step of parseTranscript(block.text)) {
        const { output } = session.run(step.command);
        const actual = output.map(normalise);
        const expected = step.expected.map(normalise);
        const same =
          actual.length === expected.length &&
          expected.every((line, index) => lineMatches(line, actual[index] as string));
        if (!same) {
          problems.push(
            `${block.where}: $ ${step.command}\n--- the page shows\n${step.expected.join("\n")}\n` +
              `--- the command printed\n${output.join("\n")}`,
          );
        }
      }
    }
  } finally {
    session.dispose();
  }
  return problems;
}
