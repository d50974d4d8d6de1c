import { memoryStore } from "@credstack/storage";
import { startRedis } from "@credstack/test-services";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createGateway, hashApiKey } from "../src/index.js";

const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

describe("rate limits shared by replicas through Redis", () => {
  it("a key's limit holds across two gateways", async () => {
    let url = process.env.CREDSTACK_TEST_REDIS_URL;
    if (!url) {
      const redis = await startRedis();
      stops.push(() => redis.stop());
      url = redis.url;
    }
    const redis = new Redis(url, { maxRetriesPerRequest: 1 });
    stops.push(() => redis.quit());
    const key = `csk_shared_${Date.now()}`;
    const id = `shared-${Date.now()}`; // the bucket: the same key id on every replica
    const store = memoryStore();
    const gateways = await Promise.all(
      [0, 1].map(() =>
        createGateway({
          store,
          providers: {},
          apiKeys: [{ id, hash: hashApiKey(key), mode: "unrestricted", rateLimit: 4 }],
          rateLimit: { redis },
          sweepIntervalMs: 0,
        }),
      ),
    );
    for (const gateway of gateways) stops.push(() => gateway.close());
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const gateway = gateways[i % 2] as (typeof gateways)[number];
      const answer = await gateway.app.inject({
        method: "GET",
        url: "/auth/providers/alice@example.com",
        headers: { "x-api-key": key },
      });
      codes.push(answer.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
