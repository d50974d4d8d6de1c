import { CredstackError, StoreUnavailableError } from "@credstack/storage";
import type { RedisClient } from "./scripts.js";

/** Runs one driver call with the store's fail-fast rules. @internal */
export type RunCommand = <T>(what: string, send: () => Promise<T>) => Promise<T>;

const clipMessage = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
};

/**
 * The store's way to reach Redis. A call waits at most `timeoutMs` in all — for the client to be
 * connected, then for the reply — and every driver failure or timeout becomes `StoreUnavailableError`
 * with the driver error as `cause`. While the client is reconnecting nothing is sent (so nothing sits in
 * ioredis's offline queue to run later); once it is ready again, the same client serves the store.
 * @internal
 */
export function commandRunner(client: RedisClient, timeoutMs: number, isClosed: () => boolean): RunCommand {
  let ready: Promise<void> | undefined;
  const whenReady = (): Promise<void> => {
    ready ??= new Promise<void>((resolve) => {
      client.once("ready", () => {
        ready = undefined;
        resolve();
      });
    });
    return ready;
  };

  return async <T>(what: string, send: () => Promise<T>): Promise<T> => {
    if (isClosed()) throw new StoreUnavailableError(`The Redis store is closed (${what}).`);
    if (client.status === "end") {
      throw new StoreUnavailableError(`The Redis client was closed for good (${what}).`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(
              `Redis did not answer ${what} within ${timeoutMs} ms (client status: ${client.status}).`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      if (client.status !== "ready") {
        if (client.status === "wait") client.connect().catch(() => {});
        await Promise.race([whenReady(), timeout]);
      }
      return await Promise.race([send(), timeout]);
    } catch (error) {
      if (error instanceof CredstackError) throw error;
      throw new StoreUnavailableError(`Redis ${what} failed: ${clipMessage(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
}
