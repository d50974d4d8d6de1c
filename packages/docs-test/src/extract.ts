import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** One code example found in the docs. */
export interface Example {
  /** Where it is: `docs/storage.md:12` (the line of the opening fence or of `@example`). */
  readonly where: string;
  /** The file, relative to the repository root. */
  readonly file: string;
  /** `ts`/`js` code, or a `console` transcript. */
  readonly kind: "code" | "console";
  /** The fence's words after the language (`needs-server`, `no-run`). */
  readonly tags: readonly string[];
  /** The example's text, with the fence's (or comment's) indentation removed. */
  readonly text: string;
  /** For TSDoc examples: the package whose source holds it (`@credstack/storage`). */
  readonly packageName?: string;
  /** Commands from `<!-- docs-test setup: … -->` comments just above a transcript. */
  readonly setup: readonly string[];
}

const codeLanguages = new Set(["ts", "typescript", "js", "javascript", "mjs"]);
const consoleLanguages = new Set(["console"]);

/** Parses the fences of one Markdown (or TSDoc) text; `lineOffset` maps its lines to the file's. */
function fencedExamples(
  text: string,
  file: string,
  lineOffset: number,
  packageName: string | undefined,
): Example[] {
  const lines = text.split("\n");
  const found: Example[] = [];
  let setup: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const comment = line.match(/^\s*<!--\s*docs-test setup:\s*(.*?)\s*-->\s*$/);
    if (comment) {
      setup.push(comment[1] as string);
      continue;
    }
    const open = line.match(/^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/);
    if (!open) continue;
    const [, indent = "", fence = "```", language = "", rest = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const candidate = lines[j] as string;
      if (candidate.trim().startsWith(fence) && candidate.trim().replace(/[`~]/g, "") === "") break;
      body.push(candidate.startsWith(indent) ? candidate.slice(indent.length) : candidate.trimStart());
    }
    const kind = codeLanguages.has(language)
      ? "code"
      : consoleLanguages.has(language)
        ? "console"
        : undefined;
    if (kind !== undefined) {
      found.push({
        where: `${file}:${i + 1 + lineOffset}`,
        file,
        kind,
        tags: rest.split(/\s+/).filter(Boolean),
        text: `${body.join("\n")}\n`,
        setup: kind === "console" ? setup : [],
        ...(packageName === undefined ? {} : { packageName }),
      });
    }
    setup = [];
    i = j;
  }
  return found;
}

/** The `@example` blocks of one TypeScript source file. */
function tsdocExamples(source: string, file: string, packageName: string): Example[] {
  const found: Example[] = [];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*\*\s*@example\b/.test(lines[i] as string)) continue;
    const inline = (lines[i] as string).replace(/^\s*\*\s*@example\b\s*/, "");
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] as string;
      if (/^\s*\*\//.test(line) || /^\s*\*\s*@\w+/.test(line)) break;
      body.push(line.replace(/^\s*\* ?/, ""));
    }
    if (inline !== "") continue; // a one-line value illustration (`@example { … }`), not a program
    const text = body.join("\n");
    if (text.includes("```")) {
      found.push(...fencedExamples(text, file, i + 1, packageName));
    } else if (text.trim() !== "") {
      found.push({ where: `${file}:${i + 1}`, file, kind: "code", tags: [], text, packageName, setup: [] });
    }
    i = j;
  }
  return found;
}

function walk(dir: string, keep: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out.sort();
}

/**
 * Every example of the repository at `root`: fenced `ts`/`js`/`console` blocks of README.md and
 * docs/**\/*.md, and the `@example` blocks of packages/*\/src (tests excluded).
 */
export function collectExamples(root: string): Example[] {
  const examples: Example[] = [];
  const markdown = [join(root, "README.md"), ...walk(join(root, "docs"), (path) => path.endsWith(".md"))];
  for (const path of markdown) {
    examples.push(...fencedExamples(readFileSync(path, "utf8"), relative(root, path), 0, undefined));
  }
  const packagesDir = join(root, "packages");
  for (const entry of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const packageDir = join(packagesDir, entry.name);
    let packageName: string;
    try {
      packageName = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).name;
    } catch {
      continue;
    }
    const sources = walk(
      join(packageDir, "src"),
      (path) => /\.ts$/.test(path) && !/\.test(-d)?\.ts$/.test(path),
    );
    for (const path of sources) {
      examples.push(...tsdocExamples(readFileSync(path, "utf8"), relative(root, path), packageName));
    }
  }
  return examples;
}
