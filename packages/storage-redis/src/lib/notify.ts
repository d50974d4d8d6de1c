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

function changeOf(message: string): StoreChange {
  try {
    const value = JSON.parse(message) as { p?: unknown; a?: unknown; v?: unknown };
    if (typeof value.p !== "string" || typeof value.a !== "string") return {};
    const key = { provider: value.p, account: value.a };
    return typeof value.v === "number" && Number.isSafeInteger(value.v) ? { key, version: value.v } : { key };
  } catch {
    return {};
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
    if (from === channel) report(changeOf(message));
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
