import {
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  normalizeKey,
  type PutOptions,
  parseRecord,
  recordToWrite,
  VersionConflictError,
} from "@credstack/storage";
import { columnList, guarded, rowPlaceholders, type StoreContext } from "./context.js";
import { rowValues, utf8 } from "./rows.js";

/** The stored version under `key` (0: none), for a conflict message. @internal */
export async function storedVersion(context: StoreContext, key: CredentialKey): Promise<number> {
  const result = await context.connection.query<{ version: string }>(
    `SELECT version FROM ${context.names.records} WHERE provider = $1 AND account_key = $2`,
    [key.provider, utf8(key.account)],
  );
  const row = result.rows[0];
  return row === undefined ? 0 : Number(row.version);
}

/**
 * `put()`: validates, seals, then one compare-and-set statement — `INSERT … ON CONFLICT DO NOTHING`
 * for `expectedVersion` 0, else `UPDATE … WHERE version = $n`. No row: `VersionConflictError` with the
 * version found. @internal
 */
export function putRecord(
  context: StoreContext,
  input: CredentialInput,
  options: PutOptions,
): Promise<CredentialRecord> {
  return guarded(context, "put", async () => {
    const key = normalizeKey(input);
    const record = recordToWrite(input, options, undefined, context.now());
    const values = await rowValues(key, record, context.cipher);
    const { names, connection } = context;
    if (options.expectedVersion === 0) {
      const inserted = await connection.query(
        `INSERT INTO ${names.records} (${columnList}) VALUES (${rowPlaceholders()})
         ON CONFLICT (provider, account_key) DO NOTHING RETURNING version`,
        values,
      );
      if (inserted.rowCount === 1) return record;
    } else {
      // Without `copy` the stored created_at is kept: it is left out of the SET list (and of the
      // values), and RETURNING tells what it is.
      const copy = options.copy === true;
      const params = copy ? values : [...values.slice(0, 11), values[12]];
      const last = params.length;
      const updated = await connection.query<{ created_at: string }>(
        `UPDATE ${names.records} SET account = $3, token_type = $4, expires_at = $5, scopes = $6,
           issuer = $7, client_id = $8, sealed = $9, has_refresh_token = $10, version = $11,
           ${copy ? "created_at = $12, updated_at = $13" : "updated_at = $12"}
         WHERE provider = $1 AND account_key = $2 AND version = $${last + 1}
         RETURNING created_at`,
        [...params, options.expectedVersion],
      );
      const row = updated.rows[0];
      if (row !== undefined) {
        const createdAt = Number(row.created_at);
        return createdAt === record.createdAt ? record : parseRecord({ ...record, createdAt });
      }
    }
    throw new VersionConflictError(key, options.expectedVersion, await storedVersion(context, key));
  });
}
