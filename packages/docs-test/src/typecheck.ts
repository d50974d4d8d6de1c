import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import type { Example } from "./extract.js";

/** An example made into a module on disk: the file the compiler sees and the lines added before its text. */
export interface SnippetFile {
  readonly example: Example;
  /** Absolute path of the `.ts` file. */
  readonly path: string;
  /** Lines the harness put before the example's text (auto-imports), to map error lines back. */
  readonly prelude: number;
  /** The module's source, as written. */
  readonly source: string;
}

/** Compiler options: the repository's tsconfig.base.json, without emit. */
export function repoCompilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, "tsconfig.base.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    composite: false,
    incremental: false,
  };
}

/** True when the example declares givens (`declare const store: CredentialStore;`): it can only be type-checked. */
export function declaresGivens(text: string): boolean {
  const file = ts.createSourceFile("x.ts", text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  return file.statements.some((statement) =>
    ts.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword),
  );
}

function importsFrom(text: string, packageName: string): boolean {
  const file = ts.createSourceFile("x.ts", text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  return file.statements.some(
    (statement) =>
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text === packageName,
  );
}

/** Names an example uses and does not declare itself (candidates for its package's auto-import). */
function freeNames(text: string): Set<string> {
  const file = ts.createSourceFile("x.ts", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const used = new Set<string>();
  const declared = new Set<string>();
  const bind = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) declared.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isMemberName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node);
      if (!isMemberName) used.add(node.text);
    }
    if (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) bind(node.name);
    if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name)
      declared.add(node.name.text);
    if ((ts.isImportSpecifier(node) || ts.isNamespaceImport(node) || ts.isImportClause(node)) && node.name) {
      declared.add(node.name.text);
    }
    if (ts.isTypeAliasDeclaration(node) || ts.isInterfaceDeclaration(node)) declared.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  for (const name of declared) used.delete(name);
  return used;
}

/** The names each package exports, and whether each is a value (read through the compiler, from the built `.d.ts`). */
function exportsOf(packageNames: readonly string[], dir: string, options: ts.CompilerOptions) {
  const probe = join(dir, "exports-probe.ts");
  writeFileSync(
    probe,
    `${packageNames.map((name, i) => `import * as p${i} from "${name}";`).join("\n")}\nexport {};\n`,
  );
  const program = ts.createProgram([probe], options);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(probe);
  const names = new Map<string, Map<string, boolean>>();
  for (const [i, statement] of (file?.statements ?? []).entries()) {
    if (!ts.isImportDeclaration(statement)) continue;
    const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    const exported = new Map<string, boolean>();
    for (const member of symbol ? checker.getExportsOfModule(symbol) : []) {
      const target = member.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(member) : member;
      exported.set(member.name, (target.flags & ts.SymbolFlags.Value) !== 0);
    }
    names.set(packageNames[i] as string, exported);
  }
  return { names, program };
}

/**
 * Writes every code example as a module under `dir` (which must resolve the workspace packages: the
 * test links its `node_modules` there; an example tagged `vitest` becomes a `.test.ts` file) and type-checks them all in one program with the
 * repository's compiler flags. A TSDoc example that does not import from its own package sees that
 * package's exports (the names it uses are imported for it, as the page it documents is that package). Returns each example's diagnostics as text (empty: it compiles).
 */
export function typecheckExamples(
  root: string,
  examples: readonly Example[],
  dir: string,
): { files: SnippetFile[]; errors: Map<SnippetFile, string[]> } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "private": true, "type": "module" }\n');
  const options = repoCompilerOptions(root);
  const ownPackages = [...new Set(examples.flatMap((e) => (e.packageName ? [e.packageName] : [])))];
  const { names, program: probeProgram } = exportsOf(ownPackages, dir, options);
  const files: SnippetFile[] = examples.map((example, index) => {
    const slug = example.where.replace(/[^a-zA-Z0-9]+/g, "-").replace(/^-|-$/g, "");
    let prelude = "";
    if (example.packageName !== undefined && !importsFrom(example.text, example.packageName)) {
      const exported = names.get(example.packageName) ?? new Map<string, boolean>();
      const wanted = [...freeNames(example.text)]
        .filter((name) => exported.has(name))
        .sort()
        .map((name) => (exported.get(name) ? name : `type ${name}`));
      if (wanted.length > 0) prelude = `import { ${wanted.join(", ")} } from "${example.packageName}";\n`;
    }
    const source = `${prelude}${example.text}\nexport {};\n`;
    const named = example.tags.find((tag) => tag.startsWith("file="))?.slice("file=".length);
    const suffix = example.tags.includes("vitest") ? ".test.ts" : ".ts";
    const path = join(dir, named ?? `${String(index).padStart(3, "0")}-${slug}${suffix}`);
    writeFileSync(path, source);
    return { example, path, prelude: prelude === "" ? 0 : 1, source };
  });
  const program = ts.createProgram(
    files.map((f) => f.path),
    options,
    undefined,
    probeProgram,
  );
  const errors = new Map<SnippetFile, string[]>();
  for (const file of files) {
    const sourceFile = program.getSourceFile(file.path);
    const diagnostics = sourceFile
      ? [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)]
      : [];
    errors.set(
      file,
      diagnostics.map((d) => {
        const text = ts.flattenDiagnosticMessageText(d.messageText, "\n  ");
        if (d.file === undefined || d.start === undefined) return `TS${d.code}: ${text}`;
        const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
        return `example line ${line + 1 - file.prelude}:${character + 1} TS${d.code}: ${text}`;
      }),
    );
  }
  return { files, errors };
}
