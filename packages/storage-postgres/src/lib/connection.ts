import { hash } from "node:crypto";
import { isCredstackError } from "@credstack/errors";
import { StoreUnavailableError } from "@credstack/storage";
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from "pg";

/** How long a statement and a connection attempt may take. @internal */
export interface Timeouts {
  /** Per statement (client-side read timeout; the server-side `statement_timeout` of a pool we create). */
  readonly statementMs: number;
  /** To get a connection from the pool (or open one). */
  readonly connectMs: number;
}

/**
 * SQL text with, when it is sent as a named prepared statement, its name: parsed and planned once per
 * connection instead of on every call. @internal
 */
export interface Statement {
  readonly text: string;
  readonly name?: string;
}

/**
 * `text` as a named prepared statement (or plain text when `prepare` is false). The name is derived from
 * the text, so equal texts share one server-side statement and different texts never collide, whichever
 * stores share the pool. @internal
 */
export function prepared(text: string, prepare: boolean): Statement {
  return prepare ? { text, name: `credstack_${hash("sha256", text, "hex").slice(0, 32)}` } : { text };
}

/**
 * Runs SQL on a pool with bounded waits: getting a connection and every statement time out, and a
 * connection that failed is destroyed rather than returned to the pool. @internal
 */
export interface Connection {
  /** One statement on a pooled connection. */
  query<R extends QueryResultRow>(
    statement: string | Statement,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>>;
  /** `fn` on one connection inside `BEGIN` … `COMMIT` (`ROLLBACK` when it throws). */
  transaction<T>(fn: (run: Runner) => Promise<T>): Promise<T>;
}

/** Runs one statement on a held connection. @internal */
export type Runner = <R extends QueryResultRow>(
  statement: string | Statement,
  values?: readonly unknown[],
) => Promise<QueryResult<R>>;

/** A connection-level failure of the store (no connection in time), not a driver error. */
class ConnectTimeoutError extends Error {
  constructor(ms: number) {
    super(`No PostgreSQL connection within ${ms} ms.`);
    this.name = "ConnectTimeoutError";
  }
}

/** `pool.connect()`, failing after `ms`; a connection that arrives too late goes straight back. */
function acquire(pool: Pool, ms: number): Promise<PoolClient> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new ConnectTimeoutError(ms));
    }, ms);
    pool.connect().then(
      (client) => {
        if (settled) client.release();
        else {
          settled = true;
          clearTimeout(timer);
          resolve(client);
        }
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** @internal */
export function connection(pool: Pool, timeouts: Timeouts): Connection {
  // The client-side timeout trails the server's statement_timeout so that, where both are set, the
  // server cancels first and the connection stays usable.
  const queryTimeout = timeouts.statementMs + 1000;
  const runner =
    (client: PoolClient): Runner =>
    <R extends QueryResultRow>(statement: string | Statement, values?: readonly unknown[]) => {
      // `query_timeout` per statement works on any pool, also one the caller configured without it.
      const config: QueryConfig & { query_timeout: number } =
        typeof statement === "string"
          ? { text: statement, values: values as unknown[], query_timeout: queryTimeout }
          : {
              text: statement.text,
              name: statement.name,
              values: values as unknown[],
              query_timeout: queryTimeout,
            };
      return client.query<R>(config);
    };

  const withClient = async <T>(fn: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await acquire(pool, timeouts.connectMs);
    // While we hold the connection the pool's idle listener is off: a server that goes away between
    // statements would make the client emit an unhandled `error` and crash the process. The failure
    // reaches us through the statement's promise anyway.
    client.on("error", ignoreClientError);
    const release = (error?: Error): void => {
      client.off("error", ignoreClientError);
      client.release(error);
    };
    try {
      const result = await fn(client);
      release();
      return result;
    } catch (error) {
      // A driver error may leave the connection mid-statement or dead: destroy it, never reuse it.
      release(isCredstackError(error) ? undefined : asError(error));
      throw error;
    }
  };

  return {
    query: (statement, values) => withClient((client) => runner(client)(statement, values)),
    transaction: (fn) =>
      withClient(async (client) => {
        const run = runner(client);
        await run("BEGIN");
        try {
          const result = await fn(run);
          await run("COMMIT");
          return result;
        } catch (error) {
          if (isCredstackError(error)) await run("ROLLBACK");
          throw error;
        }
      }),
  };
}

const ignoreClientError = (): void => {};

const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

/** SQLSTATE, message or name of a driver error, clipped: what a log line needs, nothing stored. */
function describeDriverError(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error).slice(0, 200);
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === "string" ? message.slice(0, 200) : "unknown error";
  return typeof code === "string" ? `${text} (${code})` : text;
}

/**
 * Any error that is not already a `CredstackError` (a driver error, a timeout, a refused connection)
 * as `StoreUnavailableError` with the original as `cause`. @internal
 */
export function toStoreError(error: unknown, operation: string): unknown {
  if (isCredstackError(error)) return error;
  return new StoreUnavailableError(`PostgreSQL store: ${operation} failed: ${describeDriverError(error)}.`, {
    cause: error,
  });
}
