#!/usr/bin/env node
// Checks a package's published declaration files as a consumer compiling with `skipLibCheck: false` sees
// them: every name a dist/**/*.d.ts imports or re-exports from another file must be exported there. The
// classic failure is a declaration tagged `@internal` (emptied by `stripInternal`) while an entry point still
// re-exports it: TS2305 for the consumer, or a silent `any` with `skipLibCheck: true`.
//
// Usage (from a package directory, after its build): node ../../scripts/check-dts.mjs [distDir]
import { readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";

const dist = resolve(process.argv[2] ?? "dist");

function declarationFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...declarationFiles(path));
    else if (entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const files = declarationFiles(dist);
const program = ts.createProgram(files, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ["node"],
});
const checker = program.getTypeChecker();
const problems = [];

for (const file of files) {
  const source = program.getSourceFile(file);
  if (source === undefined) continue;
  for (const statement of source.statements) {
    const isExport = ts.isExportDeclaration(statement);
    if (!isExport && !ts.isImportDeclaration(statement)) continue;
    const specifier = statement.moduleSpecifier;
    if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith("."))
      continue;
    const where = `${relative(process.cwd(), file)}:${source.getLineAndCharacterOfPosition(statement.getStart()).line + 1}`;
    const target = checker.getSymbolAtLocation(specifier);
    if (target === undefined) {
      problems.push(`${where}: "${specifier.text}" does not resolve to a declaration file`);
      continue;
    }
    const exported = new Set(
      checker.getExportsOfModule(target).map((symbol) => symbol.escapedName.toString()),
    );
    const names = [];
    if (isExport) {
      if (statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements)
          names.push((element.propertyName ?? element.name).text);
      }
    } else {
      const bindings = statement.importClause?.namedBindings;
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) names.push((element.propertyName ?? element.name).text);
      }
      if (statement.importClause?.name !== undefined) names.push("default");
    }
    for (const name of names) {
      if (!exported.has(name)) problems.push(`${where}: "${specifier.text}" does not export ${name}`);
    }
  }
}

if (problems.length > 0) {
  console.error(
    `check-dts: ${problems.length} name(s) imported or re-exported from a declaration file that lacks them`,
  );
  console.error("(an @internal declaration stripped by stripInternal but still exported?)");
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`check-dts: ${files.length} declaration files, every imported and re-exported name exists`);
