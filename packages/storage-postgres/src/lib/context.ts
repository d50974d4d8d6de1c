import type { Cipher } from "@credstack/storage";
import { type Connection, toStoreError } from "./connection.js";
import type { TableNames } from "./identifiers.js";
import { recordColumns } from "./rows.js";
import type { RecordStatements } from "./statements.js";

/** What the parts of a store share. @internal */
export interface StoreContext {
  readonly names: TableNames;
  readonly cipher: Cipher;
  readonly connection: Connection;
  /** The statements of `get` and `put`. */
  readonly statements: RecordStatements;
  readonly now: () => number;
  /** Resolves once the schema is migrated (or immediately when migration is off); retried after a failure. */
  readonly ready: () => Promise<void>;
  /** Throws when the store was closed. */
  readonly checkOpen: () => void;
}

/**
 * Runs `fn` once the store is open and migrated; every failure that is not a `CredstackError` becomes
 * `StoreUnavailableError` naming `operation`. @internal
 */
export async function guarded<T>(context: StoreContext, operation: string, fn: () => Promise<T>): Promise<T> {
  context.checkOpen();
  try {
    await context.ready();
    return await fn();
  } catch (error) {
    throw toStoreError(error, operation);
  }
}

/** `provider, account_key, …` — every record column, for INSERT lists. @internal */
export const columnList = recordColumns.join(", ");

/**
 * Every record column as the reads select it: {@link columnList} with `scopes` as JSON text
 * (`to_json(scopes)::text`, parsed by {@link rowColumns} with `JSON.parse`) rather than a `text[]` literal,
 * which the driver parses character by character into intermediate strings (~2.5 KB of garbage per row of
 * three scopes, a twentieth of a migration's allocations). Text, not `json`: a pool passed in may have its
 * own parser for `json`, never for `text`. @internal
 */
export const selectList = recordColumns
  .map((column) => (column === "scopes" ? "to_json(scopes)::text AS scopes" : column))
  .join(", ");

/** `$1, $2, …, $13` shifted by `offset`: the placeholders of one row. @internal */
export const rowPlaceholders = (offset = 0): string =>
  recordColumns.map((_, index) => `$${offset + index + 1}`).join(", ");
