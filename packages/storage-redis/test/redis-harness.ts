import type { StoreHarness } from "@credstack/storage-test-suite";
import type { Cluster, Redis } from "ioredis";
import { redisStore } from "../src/index.js";
import { keyLayout } from "../src/lib/keys.js";
import { deleteKeys, dumpKeys } from "./redis-env.js";

/**
 * The conformance harness of `redisStore` over `client()`, one prefix per namespace under `base` (the tag
 * `{prefix}` starts every key of the store). `node(tag)` is the server holding a tag's keys, for raw
 * access (the client itself, unless it is a Cluster). Without `failures`: the caller adds them when it
 * can cut the connection.
 */
export function redisHarness(
  client: () => Redis | Cluster,
  base: string,
  node: (tag: string) => Redis = () => client() as Redis,
): StoreHarness {
  const prefixOf = (namespace: string) => `${base}:${namespace}`;
  const layoutOf = (namespace: string) => keyLayout(prefixOf(namespace));
  const at = (namespace: string) => node(layoutOf(namespace).tag);
  return {
    async open({ namespace, cipher }) {
      if (cipher === undefined) throw new Error("redisStore needs a cipher");
      return redisStore({ client: client(), cipher, prefix: prefixOf(namespace) });
    },
    destroy: (namespace) => deleteKeys(at(namespace), layoutOf(namespace).tag),
    raw: {
      dump: (namespace) => dumpKeys(at(namespace), layoutOf(namespace).tag),
      async readSealed(namespace, key) {
        const sealed = await at(namespace).hgetBuffer(layoutOf(namespace).recordKey(key), "sealed");
        if (sealed === null) throw new Error("no such record");
        return sealed;
      },
      async writeSealed(namespace, key, sealed) {
        await at(namespace).hset(layoutOf(namespace).recordKey(key), "sealed", Buffer.from(sealed));
      },
      async writeColumn(namespace, key, field, value) {
        // version and createdAt are hash fields of their own (the scripts read them); the rest is JSON.
        const recordKey = layoutOf(namespace).recordKey(key);
        const own = field === "version" ? "version" : field === "createdAt" ? "created" : undefined;
        if (own !== undefined) {
          await at(namespace).hset(recordKey, own, String(value));
          return true;
        }
        const columns = JSON.parse((await at(namespace).hget(recordKey, "columns")) as string);
        if (value === undefined) delete columns[field];
        else columns[field] = value;
        await at(namespace).hset(recordKey, "columns", JSON.stringify(columns));
        return true;
      },
    },
  };
}
