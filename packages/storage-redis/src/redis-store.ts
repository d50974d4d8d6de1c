import { randomUUID } from "node:crypto";
import {
  type Cipher,
  CorruptRecordError,
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  checkPutOptions,
  type DeleteOptions,
  InvalidArgumentError,
  type Lease,
  type LeaseOptions,
  LeaseUnavailableError,
  type ListOptions,
  normalizeKey,
  type PutManyOutcome,
  type PutOptions,
  recordToWrite,
  type StopWatching,
  type StoreChange,
  StoreUnavailableError,
  sealRecord,
  VersionConflictError,
} from "@credstack/storage";
import { commandRunner } from "./lib/commands.js";
import { getManyHashes } from "./lib/get-many.js";
import { clip, keyLayout } from "./lib/keys.js";
import { listKeys } from "./lib/list-keys.js";
import { announce, announceMany, channelOf, subscribeToChanges } from "./lib/notify.js";
import { openFields, toFields } from "./lib/record-hash.js";
import { deleteScript, type RedisClient, releaseScript, runScript, writeScript } from "./lib/scripts.js";
import { writeMany } from "./lib/write-many.js";

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster` client. The caller owns it: {@link CredentialStore.close} leaves it
   * open unless `closeClient` is true. Recommended client options: `maxRetriesPerRequest: 1` (see the docs).
   */
  readonly client: RedisClient;
  /** Seals the secret fields of every record (e.g. `aesGcmCipher` or `kmsCipher`). */
  readonly cipher: Cipher;
  /**
   * Every key of this store starts with `{prefix}` — a Redis Cluster hash tag, so one store lives in one
   * slot. Use several prefixes to spread stores over a cluster. No braces, whitespace or control characters.
   * @default "credstack"
   */
  readonly prefix?: string;
  /**
   * When set, a record written without a refresh token expires this many milliseconds after its last
   * write (it cannot be renewed anyway); records with a refresh token never expire. `capabilities.ttl`
   * is true when set.
   * @default undefined (no expiry)
   */
  readonly ttlWithoutRefreshMs?: number;
  /**
   * The longest one store call waits for Redis — for a reconnecting client to be ready, then for the
   * reply — before failing with `ERR_STORE_UNAVAILABLE`.
   * @default 2000
   */
  readonly commandTimeoutMs?: number;
  /**
   * `close()` also quits the client (`client.quit()`).
   * @default false
   */
  readonly closeClient?: boolean;
  /** Clock for record times and lease expiry, for tests. @default Date.now */
  readonly now?: () => number;
}

const positiveInteger = (value: number | undefined, name: string): void => {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new InvalidArgumentError(`${name} must be a positive integer number of milliseconds.`);
  }
};

/** Writes one record by the write script; returns the record as stored. */
type WriteOne = (record: CredentialRecord, expected: number, keepCreated: boolean) => Promise<WriteResult>;
type WriteResult = { written: true } | { written: false; actual: number; storedCreatedAt?: number };

/**
 * A credential store in Redis: one hash per credential, compare-and-set and delete in Lua scripts
 * (atomic with the sorted index), `list()` from a sorted index (stable, resumable), leases by
 * `SET NX PX` with a token-checked release, optional expiry of records without a refresh token, changes
 * announced on the pub/sub channel `{prefix}:changes` for `watch()`. Works
 * with an ioredis `Redis` or `Cluster`; every key of a store shares the hash tag `{prefix}`.
 *
 * @example
 * ```ts needs-server
 * import { Redis } from "ioredis";
 * import { aesGcmCipher, loadKeyFromEnv } from "@credstack/storage";
 * import { redisStore } from "@credstack/storage-redis";
 *
 * const client = new Redis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
 * const store = redisStore({ client, cipher: aesGcmCipher({ keyRing: { active: loadKeyFromEnv() } }) });
 * ```
 */
export function redisStore(options: RedisStoreOptions): CredentialStore {
  const { client, cipher } = options;
  if (client === undefined || client === null || typeof client.evalsha !== "function") {
    throw new InvalidArgumentError("redisStore() needs an ioredis Redis or Cluster client.");
  }
  if (cipher === undefined) throw new InvalidArgumentError("redisStore() needs a cipher.");
  positiveInteger(options.ttlWithoutRefreshMs, "ttlWithoutRefreshMs");
  positiveInteger(options.commandTimeoutMs, "commandTimeoutMs");
  const layout = keyLayout(options.prefix ?? "credstack");
  const now = options.now ?? Date.now;
  const ttl = options.ttlWithoutRefreshMs;
  let closed = false;
  const run = commandRunner(client, options.commandTimeoutMs ?? 2000, () => closed);
  const whereOf = (recordKey: string) => `redis key ${clip(recordKey)}`;
  const location = (key: CredentialKey) => whereOf(layout.recordKey(key));
  const channel = channelOf(layout.tag);
  const watchers = new Set<() => Promise<void>>();

  const writeArgs = async (
    record: CredentialRecord,
    mode: "cas" | "newer",
    expected: number,
    keep: boolean,
  ) => {
    const { columns, sealed } = await sealRecord(record, cipher);
    const fields = toFields(columns, sealed);
    const expiry = ttl !== undefined && record.refreshToken === undefined ? ttl : 0;
    const member = layout.member(normalizeKey(record));
    return {
      keys: [layout.recordKeyOfMember(member), layout.index],
      args: [
        mode,
        String(expected),
        fields.version,
        keep ? "1" : "0",
        fields.created,
        fields.columns,
        fields.sealed,
        member,
        String(expiry),
      ],
    };
  };

  const writeOne: WriteOne = async (record, expected, keepCreated) => {
    const { keys, args } = await writeArgs(record, "cas", expected, keepCreated);
    const reply = (await run("write script", () => runScript(client, writeScript, keys, args))) as [
      number,
      number,
      string?,
    ];
    if (reply[0] === -2) {
      throw new CorruptRecordError("Stored key is not a credstack record.", location(normalizeKey(record)));
    }
    if (reply[0] === -3) return { written: false, actual: reply[1], storedCreatedAt: Number(reply[2]) };
    return reply[0] === 1 ? { written: true } : { written: false, actual: reply[1] };
  };

  return {
    capabilities: { lease: true, ttl: ttl !== undefined, bulk: true, watch: true },

    async get(key) {
      const normal = normalizeKey(key);
      const recordKey = layout.recordKey(normal);
      const reply = run("HGETALL", () => client.hgetallBuffer(recordKey));
      // Made while Redis answers (it depends on the key alone): at one call in flight, work done before
      // the reply costs no latency, work after it does.
      const where = whereOf(recordKey);
      const opening = openFields(await reply, normal, where, cipher);
      // Awaited here: returning the promise from an async function costs extra microtask turns. An empty
      // hash (no record) is answered without an await.
      return opening === undefined ? undefined : await opening;
    },

    getMany: (keys) => getManyHashes({ client, run, layout, cipher, location }, keys),

    async put(input: CredentialInput, putOptions: PutOptions) {
      checkPutOptions(putOptions);
      const key = normalizeKey(input);
      const copy = putOptions.copy === true;
      const at = now();
      let record = recordToWrite(input, putOptions, undefined, at);
      // A CAS write keeps the stored creation time, which the seal covers: when the input did not carry
      // it, the script says which it is and the record is sealed again with it.
      for (let attempt = 1; ; attempt++) {
        const result = await writeOne(record, putOptions.expectedVersion, !copy);
        if (result.written) {
          announce(client, channel, key, record.version);
          return record;
        }
        const created = result.storedCreatedAt;
        if (created === undefined || attempt >= 3) {
          throw new VersionConflictError(key, putOptions.expectedVersion, result.actual);
        }
        record = recordToWrite(input, putOptions, created, at);
      }
    },

    async delete(key, deleteOptions: DeleteOptions = {}) {
      const normal = normalizeKey(key);
      const expected = deleteOptions.expectedVersion;
      if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
        throw new InvalidArgumentError("delete() expectedVersion must be a non-negative integer.");
      }
      const reply = (await run("delete script", () =>
        runScript(
          client,
          deleteScript,
          [layout.recordKey(normal), layout.index],
          [expected === undefined ? "" : String(expected), layout.member(normal)],
        ),
      )) as [number, number];
      if (reply[0] === -1) throw new VersionConflictError(normal, expected as number, reply[1]);
      if (reply[0] === -2)
        throw new CorruptRecordError("Stored key is not a credstack record.", location(normal));
      if (reply[0] === 1) announce(client, channel, normal);
      return reply[0] === 1;
    },

    list(listOptions: ListOptions = {}) {
      return listKeys(client, run, layout, listOptions);
    },

    async lease(key, leaseOptions: LeaseOptions): Promise<Lease> {
      const normal = normalizeKey(key);
      const ttlMs = leaseOptions?.ttlMs;
      const waitMs = leaseOptions?.waitMs ?? 0;
      if (!Number.isFinite(ttlMs) || ttlMs <= 0)
        throw new InvalidArgumentError("lease() ttlMs must be positive.");
      if (!Number.isFinite(waitMs) || waitMs < 0)
        throw new InvalidArgumentError("lease() waitMs must be >= 0.");
      const leaseKey = layout.leaseKey(normal);
      const token = randomUUID();
      const deadline = Date.now() + waitMs;
      for (;;) {
        const start = now();
        const taken = await run("SET NX PX", () => client.set(leaseKey, token, "PX", Math.ceil(ttlMs), "NX"));
        if (taken === "OK") {
          return {
            key: normal,
            expiresAt: start + ttlMs,
            async release() {
              await run("lease release script", () => runScript(client, releaseScript, [leaseKey], [token]));
            },
          };
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new LeaseUnavailableError(normal);
        await new Promise((resolve) => setTimeout(resolve, Math.min(20, left)));
      }
    },

    async putMany(records: readonly CredentialRecord[]): Promise<readonly PutManyOutcome[]> {
      const outcomes = await writeMany(
        client,
        run,
        records,
        (record) => writeArgs(record, "newer", 0, false),
        location,
      );
      const written: [CredentialKey, number][] = [];
      outcomes.forEach((outcome, index) => {
        const record = records[index];
        if (outcome === "written" && record !== undefined)
          written.push([normalizeKey(record), record.version]);
      });
      announceMany(client, channel, written);
      return outcomes;
    },

    async watch(listener: (change: StoreChange) => void): Promise<StopWatching> {
      if (closed) throw new StoreUnavailableError("Redis store: the store is closed.");
      const stop = await subscribeToChanges(client, channel, listener);
      watchers.add(stop);
      return async () => {
        watchers.delete(stop);
        await stop();
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...watchers].map((stop) => stop()));
      if (options.closeClient === true && client.status !== "end") await client.quit().catch(() => {});
    },
  };
}
