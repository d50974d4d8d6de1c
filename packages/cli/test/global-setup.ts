import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL the CLI tests use. */
    pgUrl: string;
    /** The Redis the CLI tests use. */
    redisUrl: string;
    /** The KMS-compatible endpoint (moto) the CLI tests use. */
    kmsEndpoint: string;
  }
}

/**
 * Real servers for the whole run: `CREDSTACK_TEST_PG_URL`, `CREDSTACK_TEST_REDIS_URL` and
 * `CREDSTACK_TEST_KMS_ENDPOINT` when set (the root test command sets them), else throwaway servers from
 * `@credstack/test-services`, stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: (() => Promise<void>)[] = [];
  const services = await import("@credstack/test-services");
  let pgUrl = process.env.CREDSTACK_TEST_PG_URL;
  if (!pgUrl) {
    const server = await services.startPostgres();
    stops.push(() => server.stop());
    pgUrl = server.url;
  }
  let redisUrl = process.env.CREDSTACK_TEST_REDIS_URL;
  if (!redisUrl) {
    const server = await services.startRedis();
    stops.push(() => server.stop());
    redisUrl = server.url;
  }
  let kmsEndpoint = process.env.CREDSTACK_TEST_KMS_ENDPOINT;
  if (!kmsEndpoint) {
    const server = await services.startMoto();
    stops.push(() => server.stop());
    kmsEndpoint = server.endpoint;
  }
  project.provide("pgUrl", pgUrl);
  project.provide("redisUrl", redisUrl);
  project.provide("kmsEndpoint", kmsEndpoint);
  return async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
}
