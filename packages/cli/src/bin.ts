#!/usr/bin/env node
import { boundHeapGrowth, bulkCommands } from "./lib/heap-limits.js";

// Before the commands load: bounds the peak memory of bulk commands (see boundHeapGrowth); other commands
// keep V8's defaults.
if (bulkCommands.has(process.argv[2] ?? "")) boundHeapGrowth();
const { main } = await import("./main.js");

// Node 20 is a supported runtime (engines). The AWS SDK's notice on it — its releases after the first
// week of January 2027 require Node 22 — is for whoever upgrades the SDK (docs/kms.md, "Node versions"),
// not a warning for every KMS command. Only that notice is switched off, and only when the variable is
// unset (AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false shows it); other warnings still print.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

process.exitCode = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  ...(process.stderr.isTTY ? { status: (text: string) => process.stderr.write(text) } : {}),
});
