import type { StoreHarness } from "@credstack/storage-test-suite";
import type { Cluster, Redis } from "ioredis";
import { redisStore } from "../src/index.js";
import { keyLayout } from "../src/lib/keys.js";
import { deleteKeys, dumpKeys, writeColumn } from "./redis-env.js";

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
      writeColumn: (namespace, key, field, value) =>
        writeColumn(at(namespace), layoutOf(namespace).recordKey(key), field, value),
    },
  };
}
