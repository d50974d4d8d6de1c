import type { CredentialKey, StopWatching, StoreChange } from "@credstack/storage";
import type { RedisClient } from "./scripts.js";

/** The pub/sub channel of a store: `{prefix}:changes` (classic pub/sub reaches every cluster node). @internal */
export const channelOf = (tag: string): string => `${tag}:changes`;

/**
 * Announces a write (`version`) or delete (no version) of `key` on the store's channel. Fire and forget:
 * the write already happened, and a lost announcement only leaves other processes' caches on their
 * lifetime bound. @internal
 */
export function announce(client: RedisClient, channel: string, key: CredentialKey, version?: number): void {
  // `v` undefined is left out by JSON (no spread of a conditional object: this runs on every write).
  const payload = JSON.stringify({ p: key.provider, a: key.account, v: version });
  client.publish(channel, payload).catch(() => {});
}

/** Keys per batched announcement of {@link announceMany}. @internal */
export const announcedPerMessage = 100;

/**
 * Announces writes of many keys (a `putMany`), {@link announcedPerMessage} per message
 * (`{"m":[[provider, account, version], ...]}`) instead of one message per key. A subscriber that does
 * not know this shape reads it as a change without a key (anything may have changed): safe, only less
 * precise. Fire and forget, like {@link announce}. @internal
 */
export function announceMany(
  client: RedisClient,
  channel: string,
  writes: readonly (readonly [key: CredentialKey, version: number])[],
): void {
  for (let start = 0; start < writes.length; start += announcedPerMessage) {
    const batch = writes
      .slice(start, start + announcedPerMessage)
      .map(([key, version]) => [key.provider, key.account, version]);
    client.publish(channel, JSON.stringify({ m: batch })).catch(() => {});
  }
}

const versionOf = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;

/** The changes one message reports; a message of unknown shape reports a change without a key. */
function changesOf(message: string): StoreChange[] {
  try {
    const value = JSON.parse(message) as { p?: unknown; a?: unknown; v?: unknown; m?: unknown };
    if (Array.isArray(value.m)) {
      const changes: StoreChange[] = [];
      for (const entry of value.m as unknown[]) {
        if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "string")
          return [{}];
        const key = { provider: entry[0], account: entry[1] };
        const version = versionOf(entry[2]);
        changes.push(version === undefined ? { key } : { key, version });
      }
      return changes;
    }
    if (typeof value.p !== "string" || typeof value.a !== "string") return [{}];
    const key = { provider: value.p, account: value.a };
    const version = versionOf(value.v);
    return [version === undefined ? { key } : { key, version }];
  } catch {
    return [{}];
  }
}

/**
 * Subscribes to the store's channel on a duplicate of `client` (a subscribed connection can do nothing
 * else). ioredis reconnects and resubscribes by itself; every gap — the connection closing, a
 * reconnection — is reported as a change without a key, since announcements sent meanwhile are gone.
 * Resolves once subscribed, or after the first attempt failed (ioredis keeps trying).
 * @internal
 */
export async function subscribeToChanges(
  client: RedisClient,
  channel: string,
  listener: (change: StoreChange) => void,
): Promise<StopWatching> {
  const subscriber = client.duplicate();
  const report = (change: StoreChange) => {
    try {
      listener(change);
    } catch {
      // A listener's failure must not stop the notifications.
    }
  };
  let connected = false;
  subscriber.on("error", () => {}); // reported through "close"; ioredis reconnects
  subscriber.on("close", () => {
    if (!connected) return;
    connected = false;
    report({});
  });
  subscriber.on("ready", () => {
    if (connected) return;
    connected = true;
    report({});
  });
  subscriber.on("message", (from: string, message: string) => {
    if (from === channel) for (const change of changesOf(message)) report(change);
  });
  let stopped = false;
  await subscriber.subscribe(channel).catch(() => {});
  return async () => {
    if (stopped) return;
    stopped = true;
    connected = false;
    subscriber.removeAllListeners("message");
    await subscriber.quit().catch(() => subscriber.disconnect());
  };
}
