import { storeConformance } from "@credstack/storage-test-suite";
import type { Redis } from "ioredis";
import { Redis as Redis6 } from "ioredis6";
import { afterAll, beforeAll } from "vitest";
import { clientOptions, redisUrl } from "./redis-env.js";
import { redisHarness } from "./redis-harness.js";

// The peer range is `^5.4 || ^6`: conformance.test.ts runs the suite on ioredis 5 (`ioredis`), this file
// on ioredis 6 (the `ioredis6` alias), with the store built from the same source.
let client: Redis;
let stop: () => Promise<void>;
beforeAll(async () => {
  const redis = await redisUrl();
  stop = redis.stop;
  const six = new Redis6(redis.url, {
    maxRetriesPerRequest: clientOptions.maxRetriesPerRequest ?? null,
    lazyConnect: true,
  });
  await six.connect();
  // Two copies of ioredis here, so two nominal `Redis` types; a user has one (the consumer test compiles
  // `redisStore({ client })` against ioredis 6 alone).
  client = six as unknown as Redis;
});
afterAll(async () => {
  await client?.quit();
  await stop?.();
});

storeConformance(
  "redisStore (ioredis 6)",
  redisHarness(() => client, "conformance-ioredis6"),
  {
    encrypted: true,
  },
);
