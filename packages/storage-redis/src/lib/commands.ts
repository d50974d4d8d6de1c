import { CredstackError, StoreUnavailableError } from "@credstack/storage";
import { fixedDeadlines } from "./deadlines.js";
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

  const failure = (what: string, error: unknown): Error =>
    error instanceof CredstackError
      ? error
      : new StoreUnavailableError(`Redis ${what} failed: ${clipMessage(error)}`, { cause: error });
  const timedOut = (what: string): StoreUnavailableError =>
    new StoreUnavailableError(
      `Redis did not answer ${what} within ${timeoutMs} ms (client status: ${client.status}).`,
    );

  const timed = fixedDeadlines(timeoutMs);

  /** `send()` with one deadline for the whole wait (no `Promise.race`: this runs on every call). */
  const sendWithin = <T>(what: string, send: () => Promise<T>, waitReady: boolean): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      // A ready client: the command goes out first and its deadline is set while Redis answers (the
      // bookkeeping then adds no latency); the deadline still bounds the wait for the reply.
      let sent: Promise<T> | undefined;
      if (!waitReady) {
        try {
          sent = send();
        } catch (error) {
          reject(failure(what, error));
          return;
        }
      }
      let expired = false;
      const deadline = timed(() => {
        expired = true;
        reject(timedOut(what));
      });
      const ok = (value: T): void => {
        deadline.finish();
        resolve(value);
      };
      const fail = (error: unknown): void => {
        deadline.finish();
        reject(failure(what, error));
      };
      try {
        if (sent !== undefined) {
          sent.then(ok, fail);
          return;
        }
        if (client.status === "wait") client.connect().catch(() => {});
        // Past the deadline nothing is sent: a call that failed must not run later.
        whenReady()
          .then(() => (expired ? Promise.reject(timedOut(what)) : send()))
          .then(ok, fail);
      } catch (error) {
        fail(error);
      }
    });

  return <T>(what: string, send: () => Promise<T>): Promise<T> => {
    if (isClosed()) return Promise.reject(new StoreUnavailableError(`The Redis store is closed (${what}).`));
    if (client.status === "end") {
      return Promise.reject(new StoreUnavailableError(`The Redis client was closed for good (${what}).`));
    }
    return sendWithin(what, send, client.status !== "ready");
  };
}
