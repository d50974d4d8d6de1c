#!/usr/bin/env node
// The official MCP conformance suite (@modelcontextprotocol/conformance) against @credstack/mcp: every
// client scenario the suite lists (core, auth, back-compat, draft and the client-credentials extension),
// less the few in `notRun` below, is run against client.mjs — an MCP client whose OAuth provider is
// storeOAuthClientProvider — on an encrypted file store (CREDSTACK_CONFORMANCE_STORES=file,memory adds a
// sealed memory store). The suite's CLI needs Node 22 (see node22.mjs); the client runs on the Node running
// this script.
//
// A scenario passes when the CLI reports no failed check, no warning and no unexpected client error.
// expected-failures.yml lists scenarios expected to fail; one that passes fails the run.
import { spawn, spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { node22 } from "./node22.mjs";

/** Scenarios not run, and why (docs/mcp.md repeats this). */
const notRun = {
  // A timing check of the SDK transport's SSE reconnection (within 500 + 200 ms), unrelated to the OAuth
  // provider; on a loaded CI machine it fails by chance, and the project keeps timings out of its tests.
  "sse-retry": "timing check of the SDK transport, not of credstack",
  // SEP-990 (identity assertion grant via an enterprise IdP): storeOAuthClientProvider does not implement it.
  "auth/cross-app-access-complete-flow": "cross-app access (SEP-990) is not implemented",
};
const stores = (process.env.CREDSTACK_CONFORMANCE_STORES ?? "file").split(",").filter(Boolean);
const concurrency = 6;
const timeoutMs = 30_000;

const here = fileURLToPath(new URL(".", import.meta.url));
const cli = fileURLToPath(
  new URL("../node_modules/@modelcontextprotocol/conformance/dist/index.js", import.meta.url),
);
const clientCommand = `${JSON.stringify(process.execPath)} ${JSON.stringify(`${here}client.mjs`)}`;

async function expectedFailures() {
  const text = await readFile(`${here}expected-failures.yml`, "utf8");
  const names = [];
  for (const line of text.split("\n")) {
    const match = /^\s*-\s*["']?([^\s"'#]+)/.exec(line);
    if (match) names.push(match[1]);
  }
  return new Set(names);
}

function clientScenarios(node) {
  const listed = spawnSync(node, [cli, "list"], { encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`conformance list failed:\n${listed.stderr}`);
  const section = listed.stdout.split(/^Client scenarios.*$/m)[1] ?? "";
  return [...section.matchAll(/^\s*-\s*(\S+)/gm)].map((match) => match[1]);
}

function runScenario(node, scenario, store) {
  return new Promise((resolve) => {
    const child = spawn(
      node,
      [cli, "client", "--command", clientCommand, "--scenario", scenario, "--timeout", String(timeoutMs)],
      { env: { ...process.env, CREDSTACK_CONFORMANCE_STORE: store }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("close", (code) => resolve({ passed: code === 0, output }));
  });
}

async function main() {
  for (const store of stores) {
    if (store !== "file" && store !== "memory") throw new Error(`unknown store ${store} (file, memory)`);
  }
  const node = node22();
  const expected = await expectedFailures();
  const scenarios = clientScenarios(node);
  for (const name of Object.keys(notRun)) {
    if (!scenarios.includes(name)) throw new Error(`notRun names ${name}, which the suite no longer lists`);
  }
  // CREDSTACK_CONFORMANCE_ONLY=<substring> runs the matching scenarios alone (while working on one).
  const only = process.env.CREDSTACK_CONFORMANCE_ONLY;
  const run = scenarios.filter((name) => !(name in notRun) && (only === undefined || name.includes(only)));
  if (run.length === 0) throw new Error("the conformance suite listed no client scenarios");
  const tasks = stores.flatMap((store) => run.map((scenario) => ({ store, scenario })));
  console.log(
    `MCP conformance: ${run.length} client scenarios × ${stores.length} stores (${Object.keys(notRun).length} not run)`,
  );
  const problems = [];
  let passed = 0;
  let expectedFailed = 0;
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const { store, scenario } = tasks[next++];
      const result = await runScenario(node, scenario, store);
      const label = `${store.padEnd(6)} ${scenario}`;
      if (expected.has(scenario)) {
        if (result.passed) problems.push({ label, why: "passes but is in expected-failures.yml: remove it" });
        else expectedFailed++;
        console.log(`${result.passed ? "!" : "○"} ${label} (expected failure)`);
      } else if (result.passed) {
        passed++;
        console.log(`✓ ${label}`);
      } else {
        problems.push({ label, why: "failed", output: result.output });
        console.log(`✗ ${label}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  for (const problem of problems) {
    console.log(`\n--- ${problem.label}: ${problem.why}`);
    if (problem.output) console.log(problem.output.split("\n").slice(-80).join("\n"));
  }
  console.log(
    `\nconformance: ${passed} passed, ${problems.length} failed, ${expectedFailed} expected failures, ${Object.keys(notRun).length * stores.length} not run`,
  );
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
