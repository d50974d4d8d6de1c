import { prepared, type Statement } from "./connection.js";
import { columnList, rowPlaceholders, selectList } from "./context.js";
import type { TableNames } from "./identifiers.js";

/** The statements of `get` and `put`, built once per store (as named prepared statements by default). @internal */
export interface RecordStatements {
  /** Every column of the row under `$1` (provider), `$2` (account key). */
  readonly select: Statement;
  /** The stored version and creation time under `$1`, `$2`. */
  readonly selectVersion: Statement;
  /** A new row (`expectedVersion` 0): the row's values in `recordColumns` order. */
  readonly insert: Statement;
  /** Compare-and-set on `$14` (version) and `$12` (the kept creation time). */
  readonly update: Statement;
  /** Compare-and-set on `$14` (version) of a `copy` write, which sets the creation time too. */
  readonly updateCopy: Statement;
}

const byKey = "provider = $1 AND account_key = $2";

/** The `UPDATE` of a put; `copy` sets `created_at`, otherwise the stored one guards the update. */
const updateText = (records: string, copy: boolean): string =>
  `UPDATE ${records} SET account = $3, token_type = $4, expires_at = $5, scopes = $6,
           issuer = $7, client_id = $8, sealed = $9, has_refresh_token = $10, version = $11,
           updated_at = $13${copy ? ", created_at = $12" : ""}
         WHERE ${byKey} AND version = $14${copy ? "" : " AND created_at = $12"}`;

/** @internal */
export function recordStatements(names: TableNames, prepare: boolean): RecordStatements {
  const { records } = names;
  return {
    select: prepared(`SELECT ${selectList} FROM ${records} WHERE ${byKey}`, prepare),
    selectVersion: prepared(`SELECT version, created_at FROM ${records} WHERE ${byKey}`, prepare),
    insert: prepared(
      `INSERT INTO ${records} (${columnList}) VALUES (${rowPlaceholders()})
         ON CONFLICT (provider, account_key) DO NOTHING RETURNING version`,
      prepare,
    ),
    update: prepared(updateText(records, false), prepare),
    updateCopy: prepared(updateText(records, true), prepare),
  };
}
