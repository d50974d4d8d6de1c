#!/usr/bin/env node
// The whole test suite, as CI runs it: lint, build, typecheck, package checks (publint --strict, attw),
// then every package's tests against real throwaway services (PostgreSQL, Redis, moto's KMS) started
// here on random loopback ports and stopped at the end, also when tests fail.
//
// To use servers you already run, set CREDSTACK_TEST_PG_URL, CREDSTACK_TEST_REDIS_URL and/or
// CREDSTACK_TEST_KMS_ENDPOINT; the matching throwaway server is then not started.
import { spawnSync } from "node:child_process";

function step(cmd, args, env = process.env) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const result = spawnSync(cmd, args, { stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`\nfailed: ${cmd} ${args.join(" ")} (exit ${result.status ?? result.signal})`);
    return result.status ?? 1;
  }
  return 0;
}

function must(status) {
  if (status !== 0) process.exit(status);
}

must(step("pnpm", ["exec", "biome", "check", "."]));
must(
  step("pnpm", ["exec", "turbo", "run", "build", "typecheck", "check:package", "--output-logs=errors-only"]),
);

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
  status = step("pnpm", ["exec", "turbo", "run", "test", "--concurrency=1", "--output-logs=full"], env);
} finally {
  await stopAll();
}
process.exit(status);
