import { storeConformance } from "@credstack/storage-test-suite";
import type { Redis } from "ioredis";
import { Redis as Redis6 } from "ioredis6";
import { afterAll, beforeAll } from "vitest";
import { redisStore } from "../src/index.js";
import { keyLayout } from "../src/lib/keys.js";
import { clientOptions, connect, deleteKeys, dumpKeys, redisUrl } from "./redis-env.js";

// The peer range is `^5.4 || ^6`: the suite runs against both ends, ioredis 5 (`ioredis`) and ioredis 6
// (the `ioredis6` alias), each with the store built from the same source.
const clients: { name: string; client?: Redis }[] = [{ name: "ioredis 5" }, { name: "ioredis 6" }];
let stop: () => Promise<void>;
beforeAll(async () => {
  const redis = await redisUrl();
  stop = redis.stop;
  (clients[0] as { client?: Redis }).client = await connect(redis.url);
  const six = new Redis6(redis.url, {
    maxRetriesPerRequest: clientOptions.maxRetriesPerRequest ?? null,
    lazyConnect: true,
  });
  await six.connect();
  // Two copies of ioredis here, so two nominal `Redis` types; a user has one (the consumer test compiles
  // `redisStore({ client })` against ioredis 6 alone).
  (clients[1] as { client?: Redis }).client = six as unknown as Redis;
});
afterAll(async () => {
  for (const entry of clients) await entry.client?.quit();
  await stop?.();
});

for (const entry of clients) {
  const client = (): Redis => {
    if (entry.client === undefined) throw new Error(`${entry.name} is not connected`);
    return entry.client;
  };
  // One prefix per namespace (and client); the tag `{prefix}` starts every key of the store.
  const prefixOf = (namespace: string) => `conformance:${entry.name.replace(" ", "")}:${namespace}`;
  const layoutOf = (namespace: string) => keyLayout(prefixOf(namespace));

  storeConformance(
    `redisStore (${entry.name})`,
    {
      async open({ namespace, cipher }) {
        if (cipher === undefined) throw new Error("redisStore needs a cipher");
        return redisStore({ client: client(), cipher, prefix: prefixOf(namespace) });
      },
      destroy: (namespace) => deleteKeys(client(), layoutOf(namespace).tag),
      raw: {
        dump: (namespace) => dumpKeys(client(), layoutOf(namespace).tag),
        async readSealed(namespace, key) {
          const sealed = await client().hgetBuffer(layoutOf(namespace).recordKey(key), "sealed");
          if (sealed === null) throw new Error("no such record");
          return sealed;
        },
        async writeSealed(namespace, key, sealed) {
          await client().hset(layoutOf(namespace).recordKey(key), "sealed", Buffer.from(sealed));
        },
      },
    },
    { encrypted: true },
  );
}
