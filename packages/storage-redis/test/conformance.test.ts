import { type FaultProxy, storeConformance, tcpFaultProxy } from "@credstack/storage-test-suite";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { connect, redisUrl } from "./redis-env.js";
import { redisHarness } from "./redis-harness.js";

// The client reaches the server through a proxy that the failure tests cut.
let client: Redis;
let proxy: FaultProxy;
let stop: () => Promise<void>;
beforeAll(async () => {
  const redis = await redisUrl();
  stop = redis.stop;
  const url = new URL(redis.url);
  proxy = await tcpFaultProxy({ host: url.hostname, port: Number(url.port || 6379) });
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  // Without these, ioredis re-sends a write that failed (timed out) once the connection is back, so a
  // put reported as ERR_STORE_UNAVAILABLE could still land; the failure test catches that.
  client = await connect(url.href, { autoResendUnfulfilledCommands: false, enableOfflineQueue: false });
  client.on("error", () => {}); // reconnect failures while the proxy is cut
});
afterAll(async () => {
  await client?.quit();
  await proxy?.close();
  await stop?.();
});

/** Waits until the client has reconnected through the restored proxy. */
async function reconnected(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.ping();
      return;
    } catch (error) {
      if (attempt > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

storeConformance(
  "redisStore",
  {
    ...redisHarness(() => client, "conformance"),
    failures: {
      fail: async () => proxy.fail(),
      async restore() {
        proxy.restore();
        await reconnected();
      },
    },
  },
  { encrypted: true },
);
