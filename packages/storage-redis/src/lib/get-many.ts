import {
  type Cipher,
  CorruptRecordError,
  type CredentialKey,
  type CredstackError,
  type GetManyResult,
  getEach,
  normalizeKey,
  StoreUnavailableError,
} from "@credstack/storage";
import type { RunCommand } from "./commands.js";
import type { KeyLayout } from "./keys.js";
import { openFields } from "./record-hash.js";
import type { RedisClient } from "./scripts.js";

/** What `getMany` needs of its store. @internal */
export interface GetManyContext {
  readonly client: RedisClient;
  readonly run: RunCommand;
  readonly layout: KeyLayout;
  readonly cipher: Cipher;
  /** Where a record is, for error messages. */
  readonly location: (key: CredentialKey) => string;
}

/** A key of the batch in normal form, or why it is not a valid key. */
type Prepared = { normal: CredentialKey } | { invalid: CredstackError };

/** One key's reply: the hash fields, or a key that holds another type (not a credstack record). */
type Reply = Record<string, Buffer> | "wrong type";

function prepare(key: CredentialKey): Prepared {
  try {
    return { normal: normalizeKey(key) };
  } catch (error) {
    return { invalid: error as CredstackError };
  }
}

/**
 * `getMany()`: the `HGETALL` that `get()` sends, for every key in one pipeline, then each hash opened as
 * `get()` opens it ({@link openFields}). Every key of a store carries the hash tag `{prefix}`, so one
 * batch is one Redis Cluster slot and the pipeline works on a `Cluster` too. A hash that fails to open,
 * a key holding another type and an invalid key are that key's `{ error }`; a Redis failure rejects the
 * call (`ERR_STORE_UNAVAILABLE`). @internal
 */
export async function getManyHashes(
  context: GetManyContext,
  keys: readonly CredentialKey[],
): Promise<GetManyResult[]> {
  const { client, run, layout, cipher, location } = context;
  const prepared = keys.map(prepare);
  const valid = prepared.filter((item): item is { normal: CredentialKey } => "normal" in item);
  const replies =
    valid.length === 0
      ? []
      : await run("getMany pipeline", async () => {
          const pipeline = client.pipeline();
          for (const { normal } of valid) pipeline.hgetallBuffer(layout.recordKey(normal));
          const results = await pipeline.exec();
          if (results === null) throw new StoreUnavailableError("The getMany pipeline was discarded.");
          return results.map(([error, reply]): Reply => {
            if (error) {
              if (/^WRONGTYPE/.test(error.message)) return "wrong type";
              throw error;
            }
            return reply as Record<string, Buffer>;
          });
        });
  const replyOf = new Map<Prepared, Reply>();
  valid.forEach((item, index) => {
    replyOf.set(item, replies[index] as Reply);
  });
  return getEach(
    prepared,
    async (item) => {
      if ("invalid" in item) throw item.invalid;
      const fields = replyOf.get(item);
      const where = location(item.normal);
      if (fields === "wrong type")
        throw new CorruptRecordError("Stored key is not a credstack record.", where);
      if (fields === undefined) return undefined;
      return openFields(fields, item.normal, where, cipher);
    },
    { concurrency: Math.max(1, prepared.length) },
  );
}
