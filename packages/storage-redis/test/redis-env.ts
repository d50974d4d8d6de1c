import { startRedis } from "@credstack/test-services";
import { Redis, type RedisOptions } from "ioredis";

/** A Redis for the tests: CREDSTACK_TEST_REDIS_URL (the root test command sets it), or a server started here. */
export async function redisUrl(): Promise<{ url: string; stop: () => Promise<void> }> {
  const fromEnv = process.env.CREDSTACK_TEST_REDIS_URL;
  if (fromEnv) return { url: fromEnv, stop: async () => {} };
  const server = await startRedis();
  return { url: server.url, stop: () => server.stop() };
}

/** The client options the docs recommend: fail a request after one reconnect attempt. */
export const clientOptions: RedisOptions = { maxRetriesPerRequest: 1 };

/** A connected client. */
export async function connect(url: string, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { ...clientOptions, lazyConnect: true, ...options });
  await client.connect();
  return client;
}

/** A glob pattern that matches exactly the keys starting with `text`. */
export const globPrefix = (text: string): string => `${text.replace(/[*?[\]\\]/g, "\\$&")}*`;

/** Every key whose name starts with `start`. */
export async function keysStartingWith(client: Redis, start: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await client.scan(cursor, "MATCH", globPrefix(start), "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys.sort();
}

/** Every byte kept under the keys starting with `start`: key names, hash fields and values, members. */
export async function dumpKeys(client: Redis, start: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const key of await keysStartingWith(client, start)) {
    parts.push(Buffer.from(key));
    const type = await client.type(key);
    if (type === "hash") {
      for (const [field, value] of Object.entries(await client.hgetallBuffer(key))) {
        parts.push(Buffer.from(field), value);
      }
    } else if (type === "zset") {
      parts.push(...(await client.zrangeBuffer(key, 0, -1)));
    } else if (type === "string") {
      const value = await client.getBuffer(key);
      if (value !== null) parts.push(value);
    } else {
      throw new Error(`unexpected ${type} at ${key}`);
    }
  }
  return Buffer.concat(parts);
}

/** Deletes the keys starting with `start`. */
export async function deleteKeys(client: Redis, start: string): Promise<void> {
  const keys = await keysStartingWith(client, start);
  for (let i = 0; i < keys.length; i += 500) await client.unlink(...keys.slice(i, i + 500));
}

/**
 * Sets one clear field of a stored record at rest, for the conformance suite's tamper cases: `version` and
 * `createdAt` are hash fields of their own (the scripts read them); the rest is the JSON `columns` field.
 */
export async function writeColumn(
  client: Redis,
  recordKey: string,
  field: string,
  value: unknown,
): Promise<boolean> {
  const own = field === "version" ? "version" : field === "createdAt" ? "created" : undefined;
  if (own !== undefined) {
    await client.hset(recordKey, own, String(value));
    return true;
  }
  const columns = JSON.parse((await client.hget(recordKey, "columns")) as string);
  if (value === undefined) delete columns[field];
  else columns[field] = value;
  await client.hset(recordKey, "columns", JSON.stringify(columns));
  return true;
}
