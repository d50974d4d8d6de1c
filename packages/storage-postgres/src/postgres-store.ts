import {
  type Cipher,
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  type DeleteOptions,
  type GetManyResult,
  InvalidArgumentError,
  type Lease,
  type LeaseOptions,
  type ListOptions,
  normalizeKey,
  type PutManyOutcome,
  type StopWatching,
  type StoreChange,
  StoreUnavailableError,
  VersionConflictError,
} from "@credstack/storage";
import pg from "pg";
import { connection, type Timeouts } from "./lib/connection.js";
import { guarded, type StoreContext } from "./lib/context.js";
import { getManyRecords } from "./lib/get-many.js";
import { tableNames } from "./lib/identifiers.js";
import { takeLease } from "./lib/lease.js";
import { type ExpiringKey, type ListExpiringOptions, listExpiring, listKeys } from "./lib/listing.js";
import { applyMigrations } from "./lib/migrations.js";
import { listenForChanges } from "./lib/notify.js";
import { putManyRecords } from "./lib/put-many.js";
import { openRow, type RecordRow, utf8 } from "./lib/rows.js";
import { recordStatements } from "./lib/statements.js";
import { putRecord, storedVersion } from "./lib/write.js";

/** Where the store keeps its rows; shared by {@link postgresStore} and {@link migrateSchema}. */
export interface PostgresSchemaOptions {
  /**
   * The schema holding the tables; created if missing. Must match `/^[a-z_][a-z0-9_]{0,62}$/`.
   * @default "public"
   */
  readonly schema?: string;
  /**
   * The records table; `<table>_leases` and `<table>_migrations` sit beside it. Must match
   * `/^[a-z_][a-z0-9_]*$/`, at most 48 characters.
   * @default "credstack_credentials"
   */
  readonly table?: string;
  /**
   * Longest wait for one statement, in milliseconds: the client-side read timeout of every statement
   * (plus one second of grace) and, for a pool the store creates, the server's `statement_timeout`.
   * @default 5000
   */
  readonly statementTimeoutMs?: number;
  /**
   * Longest wait for a connection from the pool (or a new one), in milliseconds.
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
}

/** Options of {@link postgresStore}: exactly one of `pool` and `connectionString`. */
export interface PostgresStoreOptions extends PostgresSchemaOptions {
  /**
   * A `pg.Pool` you own: the store never ends it (`close()` leaves it open). Give it
   * `connectionTimeoutMillis` and `statement_timeout` too; see the docs.
   */
  readonly pool?: pg.Pool;
  /** A connection string; the store creates (and on `close()` ends) its own pool. */
  readonly connectionString?: string;
  /** Connections in the pool the store creates from `connectionString`. @default 10 */
  readonly maxConnections?: number;
  /** Seals the secret fields (`sealed bytea`); bound to each row's key. */
  readonly cipher: Cipher;
  /**
   * Create or upgrade the tables on first use (idempotent, safe from several processes at once). Turn
   * off when a deploy step runs {@link migrateSchema} and the runtime role may not run DDL.
   * @default true
   */
  readonly migrate?: boolean;
  /**
   * Send the statements of `get` and `put` as named prepared statements, parsed and planned once per
   * connection (about half the database time of a `get`). Turn off behind a connection pooler that does
   * not keep prepared statements per client — PgBouncer in transaction mode before 1.21, or without
   * `max_prepared_statements`.
   * @default true
   */
  readonly preparedStatements?: boolean;
  /** Clock for `createdAt`/`updatedAt`, for tests. Leases use the database clock. @default Date.now */
  readonly now?: () => number;
}

/** A PostgreSQL {@link CredentialStore}, with leases, `putMany` and an expiry listing. */
export interface PostgresStore extends CredentialStore {
  /**
   * Reports every write and delete of any process on this table, through a trigger (schema version 2)
   * and `LISTEN/NOTIFY` on a connection of its own; see {@link CredentialStore.watch}.
   */
  watch(listener: (change: StoreChange) => void): Promise<StopWatching>;
  lease(key: CredentialKey, options: LeaseOptions): Promise<Lease>;
  /** One `SELECT` for the whole batch; see {@link CredentialStore.getMany}. */
  getMany(keys: readonly CredentialKey[]): Promise<readonly GetManyResult[]>;
  putMany(records: readonly CredentialRecord[]): Promise<readonly PutManyOutcome[]>;
  /**
   * Keys whose access token expires before `before` (epoch ms), soonest first, lazily in pages; served
   * by the partial index on `expires_at`. Resume with `after`: the last entry a listing gave.
   */
  listExpiringBefore(before: number, options?: ListExpiringOptions): AsyncIterable<ExpiringKey>;
}

const defaults = {
  schema: "public",
  table: "credstack_credentials",
  statementTimeoutMs: 5000,
  connectTimeoutMs: 5000,
};

function checkMs(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${name} must be a positive integer number of milliseconds.`);
  }
  return value;
}

function timeoutsOf(options: PostgresSchemaOptions): Timeouts {
  return {
    statementMs: checkMs("statementTimeoutMs", options.statementTimeoutMs ?? defaults.statementTimeoutMs),
    connectMs: checkMs("connectTimeoutMs", options.connectTimeoutMs ?? defaults.connectTimeoutMs),
  };
}

/** Ignores errors of idle pooled connections (a restarted server, `pg_terminate_backend`): without a
 * listener, pg-pool's `error` event would crash the process; the pool already drops the connection. */
const ignoreIdleError = (): void => {};

/**
 * Creates or upgrades the store's tables: versioned migrations recorded in `<table>_migrations`,
 * applied in one transaction under an advisory lock. Idempotent; returns the versions it applied.
 * @throws StoreUnavailableError (`ERR_STORE_UNAVAILABLE`) when the database cannot be reached or refuses.
 * @example
 * ```ts
 * import type { Pool } from "pg";
 * declare const pool: Pool; // a pool whose role may create tables
 * await migrateSchema(pool, { schema: "auth" }); // in a deploy step
 * ```
 */
export async function migrateSchema(pool: pg.Pool, options: PostgresSchemaOptions = {}): Promise<number[]> {
  const names = tableNames(options.schema ?? defaults.schema, options.table ?? defaults.table);
  try {
    return await applyMigrations(connection(pool, timeoutsOf(options)), names);
  } catch (error) {
    throw toMigrationError(error);
  }
}

const toMigrationError = (error: unknown): unknown =>
  error instanceof Error && "code" in error && typeof error.code === "string" && error.code.startsWith("ERR_")
    ? error
    : new StoreUnavailableError("PostgreSQL store: schema migration failed.", { cause: error });

/**
 * A credential store on PostgreSQL: one row per credential, keyed by `(provider, account_key)`,
 * secrets sealed with `cipher` in a `bytea`; compare-and-set by `UPDATE … WHERE version = $n`;
 * leases in a lease table; keyset listing; batched `putMany`.
 * @example
 * ```ts
 * import type { Cipher } from "@credstack/storage";
 * declare const cipher: Cipher;
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL!, cipher });
 * const record = await store.get({ provider: "google", account: "a@x.com" });
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  if ((options.pool === undefined) === (options.connectionString === undefined)) {
    throw new InvalidArgumentError("postgresStore() needs exactly one of `pool` and `connectionString`.");
  }
  if (options.cipher === undefined) throw new InvalidArgumentError("postgresStore() needs a cipher.");
  const names = tableNames(options.schema ?? defaults.schema, options.table ?? defaults.table);
  const timeouts = timeoutsOf(options);
  const owned = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: timeouts.connectMs,
      statement_timeout: timeouts.statementMs,
      idle_in_transaction_session_timeout: timeouts.statementMs * 2,
      application_name: "credstack",
    });
  pool.on("error", ignoreIdleError);
  const conn = connection(pool, timeouts);
  let closed = false;
  let migrated: Promise<void> | undefined = options.migrate === false ? Promise.resolve() : undefined;
  const context: StoreContext = {
    names,
    cipher: options.cipher,
    connection: conn,
    statements: recordStatements(names, options.preparedStatements !== false),
    now: options.now ?? Date.now,
    checkOpen() {
      if (closed) throw new StoreUnavailableError("PostgreSQL store: the store is closed.");
    },
    ready() {
      migrated ??= applyMigrations(conn, names).then(
        () => undefined,
        (error: unknown) => {
          migrated = undefined; // try again on the next call
          throw error;
        },
      );
      return migrated;
    },
  };
  const byKey = "provider = $1 AND account_key = $2";
  const watchers = new Set<() => Promise<void>>();

  return {
    capabilities: { lease: true, ttl: false, bulk: true, watch: true },
    get: (key) =>
      guarded(context, "get", async () => {
        const normal = normalizeKey(key);
        const result = await conn.query<RecordRow>(context.statements.select, [
          normal.provider,
          utf8(normal.account),
        ]);
        const row = result.rows[0];
        // Awaited here: returning the promise from an async function costs extra microtask turns.
        return row === undefined ? undefined : await openRow(normal, row, options.cipher, names.location);
      }),
    getMany: (keys) => getManyRecords(context, keys),
    put: (input, putOptions) => putRecord(context, input, putOptions),
    delete: (key, deleteOptions: DeleteOptions = {}) =>
      guarded(context, "delete", async () => {
        const normal = normalizeKey(key);
        const expected = deleteOptions.expectedVersion;
        const values: unknown[] = [normal.provider, utf8(normal.account)];
        if (expected !== undefined) values.push(expected);
        const result = await conn.query(
          `DELETE FROM ${names.records} WHERE ${byKey} ${expected === undefined ? "" : "AND version = $3"}`,
          values,
        );
        if (result.rowCount === 1) return true;
        if (expected === undefined) return false;
        const actual = (await storedVersion(context, normal)).version;
        if (actual === 0) return false;
        throw new VersionConflictError(normal, expected, actual);
      }),
    list: (listOptions: ListOptions = {}) => listKeys(context, listOptions),
    listExpiringBefore: (before, listOptions = {}) => listExpiring(context, before, listOptions),
    lease: (key, leaseOptions) => takeLease(context, key, leaseOptions),
    putMany: (records) => putManyRecords(context, records),
    async watch(listener) {
      context.checkOpen();
      await context.ready().catch(() => {});
      const stop = await listenForChanges(pool, names, listener);
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
      if (owned) await pool.end().catch(() => {});
      // Keep swallowing idle errors of an owned pool while it ends; a caller's pool gets its listeners back.
      if (!owned) pool.off("error", ignoreIdleError);
    },
  };
}
