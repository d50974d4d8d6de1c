#!/usr/bin/env node
// The packages as a user gets them: packs every public package (`pnpm pack`, so `workspace:` ranges
// become versions), installs the tarballs with npm into a scratch project outside the workspace (no
// workspace links; third-party dependencies from the registry) and checks that
//   - each tarball holds package.json, README.md, LICENSE (the root one), dist/ — and no tests;
//   - a TypeScript file importing every export of every entry point compiles with skipLibCheck: false
//     under moduleResolution nodenext and bundler (so no published .d.ts is broken);
//   - every entry point loads with import and with require() on Node 20.19+ and on Node 22+, with the
//     same export names either way;
//   - the CLI runs without its optional KMS peers and says what to install when --kms-key-id needs them.
// Needs the packages built (`pnpm build`). Run by scripts/test.mjs; alone: node scripts/consumer-test.mjs
// (CREDSTACK_KEEP_CONSUMER=1 keeps the scratch project for a look).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeBinary } from "./node-version.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();
const problems = [];
const fail = (message) => {
  problems.push(message);
  console.error(`  ✗ ${message}`);
};

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return result;
}

/** Like {@link run}, without blocking: resolves with { status, stdout, stderr }. */
function runAsync(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;

function must(cmd, args, options) {
  const result = run(cmd, args, options);
  if (result.status !== 0) {
    console.error(result.stdout, result.stderr);
    throw new Error(`${cmd} ${args.join(" ")} failed (exit ${result.status})`);
  }
  return result;
}

// ---- the public packages and their entry points
const packages = readdirSync(join(root, "packages"))
  .map((name) => ({ dir: join(root, "packages", name) }))
  .filter(({ dir }) => existsSync(join(dir, "package.json")))
  .map((entry) => ({ ...entry, json: JSON.parse(readFileSync(join(entry.dir, "package.json"), "utf8")) }))
  .filter(({ json }) => json.private !== true)
  .map(({ dir, json }) => ({
    dir,
    name: json.name,
    entries: Object.keys(json.exports)
      .filter((key) => !key.endsWith(".json"))
      .map((key) => (key === "." ? json.name : `${json.name}/${key.slice(2)}`)),
  }));
const specifiers = packages.flatMap((pkg) => pkg.entries);
console.log(`consumer test: ${packages.length} public packages, ${specifiers.length} entry points`);

const scratch = await mkdtemp(join(tmpdir(), "credstack-consumer-"));
try {
  // ---- pack
  const tarballDir = join(scratch, "tarballs");
  await mkdir(tarballDir);
  const tarballs = await Promise.all(
    packages.map(async (pkg) => {
      const packed = await runAsync("pnpm", ["pack", "--pack-destination", tarballDir], { cwd: pkg.dir });
      if (packed.status !== 0) throw new Error(`pnpm pack failed in ${pkg.dir}: ${packed.stderr}`);
      const file = packed.stdout.trim().split("\n").at(-1).trim();
      return { pkg, file: file.startsWith("/") ? file : join(tarballDir, file) };
    }),
  );
  console.log(`  packed ${tarballs.length} tarballs (${elapsed()})`);

  // ---- tarball contents
  const license = await readFile(join(root, "LICENSE"), "utf8");
  for (const { pkg, file } of tarballs) {
    const files = must("tar", ["-tzf", file]).stdout.trim().split("\n");
    for (const needed of ["package/package.json", "package/README.md", "package/LICENSE"]) {
      if (!files.includes(needed)) fail(`${pkg.name}: tarball has no ${needed.slice(8)}`);
    }
    if (!files.some((path) => path.startsWith("package/dist/") && path.endsWith(".js"))) {
      fail(`${pkg.name}: tarball has no dist/*.js`);
    }
    const tests = files.filter((path) =>
      /(^|\/)(test|tests|__tests__)\/|\.test(-d)?\.[cm]?[jt]s$|\.bench\./.test(path),
    );
    if (tests.length > 0) fail(`${pkg.name}: tarball ships tests: ${tests.slice(0, 3).join(", ")}`);
    if (files.includes("package/LICENSE")) {
      const packed = must("tar", ["-xzOf", file, "package/LICENSE"]).stdout;
      if (packed !== license) fail(`${pkg.name}: LICENSE differs from the repository's`);
    }
  }

  // ---- install outside the workspace
  const project = join(scratch, "project");
  await mkdir(project);
  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify({ name: "credstack-consumer", private: true, type: "module" }, null, 2)}\n`,
  );
  // Third-party peers at their newest majors (ioredis 6), plus what the test itself needs.
  const thirdParty = [
    "typescript@5.9.3",
    "@types/node@^20.19.0",
    "@types/pg@^8",
    "ioredis@^6",
    "pg@^8",
    "@modelcontextprotocol/sdk@^1",
    "@aws-sdk/client-kms@^3",
    "vitest@^4", // the workspace tests on vitest 3; vitest 5 runs at the end (it needs Node 22.12+)
    // Optional peers of subpaths the compile imports (@credstack/google/graph, /github).
    "@microsoft/microsoft-graph-client@^3",
    "@octokit/core@>=6",
    // The MCP SDK's own declarations need these under skipLibCheck: false (express types, fetch's HeadersInit).
    "@types/express@^5",
  ];
  const install = run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      ...tarballs.map(({ file }) => file),
      ...thirdParty,
    ],
    { cwd: project },
  );
  if (install.status !== 0) {
    console.error(install.stdout, install.stderr);
    throw new Error("npm install of the tarballs failed");
  }
  for (const pkg of packages) {
    const installed = join(project, "node_modules", ...pkg.name.split("/"));
    if (!existsSync(join(installed, "package.json"))) fail(`${pkg.name} was not installed`);
  }
  console.log(
    `  installed ${tarballs.length} tarballs in ${project} (${Math.round((Date.now() - started) / 1000)} s)`,
  );

  // ---- every export of every entry point, compiled with skipLibCheck: false
  const listExports = `
    import ts from "typescript";
    const specifiers = ${JSON.stringify(specifiers)};
    const probe = "probe.ts";
    const text = specifiers.map((s, i) => \`import * as m\${i} from "\${s}";\`).join("\\n") + "\\nexport {};";
    const options = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, types: ["node"] };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile;
    host.getSourceFile = (name, ...rest) => name === probe ? ts.createSourceFile(name, text, ts.ScriptTarget.ES2022) : read(name, ...rest);
    const program = ts.createProgram([probe], options, host);
    const checker = program.getTypeChecker();
    const out = {};
    for (const statement of program.getSourceFile(probe).statements) {
      if (!ts.isImportDeclaration(statement)) continue;
      const symbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
      out[statement.moduleSpecifier.text] = symbol ? checker.getExportsOfModule(symbol).map((s) => s.name).sort() : null;
    }
    console.log(JSON.stringify(out));
  `;
  await writeFile(join(project, "list-exports.mjs"), listExports);
  const exportsBySpecifier = JSON.parse(
    must(process.execPath, ["list-exports.mjs"], { cwd: project }).stdout,
  );
  const lines = [];
  specifiers.forEach((specifier, i) => {
    const names = exportsBySpecifier[specifier];
    if (!Array.isArray(names) || names.length === 0) {
      fail(`${specifier}: no declarations found`);
      return;
    }
    lines.push(
      `import { ${names.map((name) => `${name} as e${i}_${name}`).join(", ")} } from "${specifier}";`,
    );
  });
  lines.push(
    "",
    "// A store author's and a user's calls, type-checked against the published declarations.",
    'import { Redis } from "ioredis";',
    'import { redisStore } from "@credstack/storage-redis";',
    'import { aesGcmCipher, checkListOptions, generateKey, writeFileAtomic } from "@credstack/storage";',
    "const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });",
    'export const store = () => redisStore({ client: new Redis({ lazyConnect: true }), cipher, prefix: "x" });',
    "export const options = checkListOptions({ limit: 1 });",
    'export const written: Promise<boolean> = writeFileAtomic("/tmp/x", "y");',
    "",
  );
  await writeFile(join(project, "consumer.ts"), lines.join("\n"));
  const base = {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    target: "ES2022",
    // DOM: the MCP SDK's declarations use fetch's HeadersInit (see docs/mcp.md).
    lib: ["ES2023", "DOM"],
    types: ["node"],
  };
  const compiled = [];
  for (const [name, resolution] of [
    ["nodenext", { module: "nodenext", moduleResolution: "nodenext" }],
    ["bundler", { module: "esnext", moduleResolution: "bundler" }],
  ]) {
    const config = `tsconfig.${name}.json`;
    await writeFile(
      join(project, config),
      JSON.stringify({ compilerOptions: { ...base, ...resolution }, files: ["consumer.ts"] }, null, 2),
    );
    // Both compilations run while the entry points load below.
    const tsc = runAsync(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), "-p", config], {
      cwd: project,
    }).then((result) => {
      if (result.status !== 0) {
        fail(`tsc (moduleResolution ${name}, skipLibCheck false):\n${result.stdout}${result.stderr}`);
      } else {
        console.log(
          `  compiled every export of ${specifiers.length} entry points (moduleResolution ${name}, ${elapsed()})`,
        );
      }
    });
    compiled.push(tsc);
  }

  // ---- import and require() every entry point on Node 20.19+ and 22+
  await writeFile(
    join(project, "load.cjs"),
    `const specifiers = ${JSON.stringify(specifiers)};
const out = {};
(async () => {
  for (const s of specifiers) {
    if (s.startsWith("@credstack/storage-test-suite")) continue; // loads only inside vitest: see suite.test.mjs
    const r = { import: null, require: null };
    try { r.import = Object.keys(await import(s)).sort(); } catch (e) { r.importError = String(e.code ?? "") + " " + e.message; }
    try { r.require = Object.keys(require(s)).filter((k) => k !== "module.exports" && k !== "__esModule").sort(); } catch (e) { r.requireError = String(e.code ?? "") + " " + e.message; }
    out[s] = r;
  }
  process.stdout.write(JSON.stringify(out));
})();
`,
  );
  await writeFile(
    join(project, "suite.test.mjs"),
    `import { createRequire } from "node:module";
import { memoryStore } from "@credstack/storage";
import * as imported from "@credstack/storage-test-suite";
import { aesGcmCipherSet, cipherConformance, storeConformance } from "@credstack/storage-test-suite";
import { expect, it } from "vitest";

it("imports and requires @credstack/storage-test-suite with the same exports", () => {
  const required = createRequire(import.meta.url)("@credstack/storage-test-suite");
  const names = (module) => Object.keys(module).filter((k) => k !== "module.exports" && k !== "__esModule").sort();
  expect(names(imported)).toContain("storeConformance");
  expect(names(required)).toEqual(names(imported));
});

// The suites themselves run on this vitest: the reference store and cipher must pass.
storeConformance("memoryStore", { open: async () => memoryStore() }, { encrypted: false });
cipherConformance("aesGcmCipher", aesGcmCipherSet);
`,
  );
  const runSuite = (node, version) => {
    const vitest = run(node, [join(project, "node_modules/vitest/vitest.mjs"), "run", "suite.test.mjs"], {
      cwd: project,
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
    });
    const versionLine = must(node, [join(project, "node_modules/vitest/vitest.mjs"), "--version"], {
      cwd: project,
    });
    if (vitest.status !== 0) {
      fail(
        `Node ${version}, vitest ${versionLine.stdout.trim()}: @credstack/storage-test-suite:\n${vitest.stdout}${vitest.stderr}`,
      );
      return false;
    }
    const tests = vitest.stdout.match(/Tests\s+(\d+) passed/)?.[1];
    console.log(
      `  Node ${version}, vitest ${versionLine.stdout.trim()}: storage-test-suite imports, requires and passes (${tests} tests)`,
    );
    return true;
  };
  for (const major of [20, 22]) {
    const node = await nodeBinary(major);
    const version = must(node, ["--version"]).stdout.trim();
    const [maj, min] = version.slice(1).split(".").map(Number);
    if (maj === 20 && min < 19) fail(`Node ${version} is older than 20.19 (the engines floor)`);
    const loaded = run(node, ["--no-warnings", "load.cjs"], { cwd: project });
    if (loaded.status !== 0) {
      fail(`Node ${version}: load.cjs failed: ${loaded.stderr}`);
      continue;
    }
    const results = JSON.parse(loaded.stdout);
    let ok = 0;
    for (const specifier of specifiers) {
      const r = results[specifier];
      if (r === undefined) continue;
      if (r.importError) fail(`Node ${version}: import("${specifier}") failed: ${r.importError}`);
      if (r.requireError)
        fail(`Node ${version}: require("${specifier}") failed: ${r.requireError.split("\n")[0]}`);
      if (r.import && r.require && r.import.join() !== r.require.join()) {
        fail(`Node ${version}: require("${specifier}") exports differ from import`);
      }
      if (r.import && !r.importError && !r.requireError) ok++;
    }
    // The conformance suites call vitest's describe/it when loaded, so they load inside a vitest run.
    if (runSuite(node, version)) ok++;
    console.log(
      `  Node ${version}: ${ok}/${specifiers.length} entry points load with import and require() (${elapsed()})`,
    );
  }
  await Promise.all(compiled);

  // ---- the CLI without its optional KMS peers
  const cli = join(project, "node_modules/@credstack/cli/dist/bin.js");
  const help = run(process.execPath, [cli, "--help"], { cwd: project });
  if (help.status !== 0) fail(`credstack --help exited ${help.status}: ${help.stderr}`);
  const hidden = [];
  try {
    // Without the AWS SDK, then without @credstack/kms too (a CLI installed alone).
    for (const [name, missing] of [
      ["@aws-sdk/client-kms", "@aws-sdk/client-kms"],
      ["@credstack/kms", "@credstack/kms"],
    ]) {
      const path = join(project, "node_modules", ...name.split("/"));
      await rename(path, `${path}.hidden`);
      hidden.push(path);
      const kms = run(
        process.execPath,
        [
          cli,
          "list",
          "--store",
          "file:./store",
          "--kms-key-id",
          "alias/credstack",
          "--kms-region",
          "us-east-1",
        ],
        { cwd: project },
      );
      const expected = `ERR_INVALID_CONFIG: ${missing} is not installed: install @credstack/kms and @aws-sdk/client-kms to use --kms-key-id`;
      if (kms.status !== 1 || !kms.stderr.includes(expected)) {
        fail(`credstack --kms-key-id without ${missing}: exit ${kms.status}, stderr: ${kms.stderr.trim()}`);
      } else {
        console.log(
          `  CLI without ${hidden.length === 1 ? "" : "@credstack/kms and "}@aws-sdk/client-kms: ${kms.stderr.trim().split("\n")[0]}`,
        );
      }
    }
  } finally {
    for (const path of hidden) await rename(`${path}.hidden`, path);
  }

  // ---- @credstack/storage-test-suite on the newest vitest major (its peer range is ^3 || ^4 || ^5);
  // vitest 5 wants Node 22.12+ and its @types/node (the compilations above are done by now).
  const vitest5 = run(
    "npm",
    ["install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", "vitest@^5", "@types/node@^22"],
    {
      cwd: project,
    },
  );
  if (vitest5.status !== 0) fail(`npm install vitest@^5 failed: ${vitest5.stderr}`);
  else {
    const node22 = await nodeBinary(22);
    runSuite(node22, must(node22, ["--version"]).stdout.trim());
  }
} finally {
  if (process.env.CREDSTACK_KEEP_CONSUMER === "1") console.log(`  kept ${scratch}`);
  else await rm(scratch, { recursive: true, force: true });
}

const seconds = Math.round((Date.now() - started) / 1000);
if (problems.length > 0) {
  console.error(`\nconsumer test failed: ${problems.length} problem(s) (${seconds} s)`);
  process.exit(1);
}
console.log(`consumer test passed (${seconds} s)`);
