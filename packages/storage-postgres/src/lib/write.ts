import {
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  normalizeKey,
  type PutOptions,
  recordToWrite,
  VersionConflictError,
} from "@credstack/storage";
import { columnList, guarded, rowPlaceholders, type StoreContext } from "./context.js";
import { rowValues, utf8 } from "./rows.js";

/** The stored version (0: none) and creation time under `key`. @internal */
export async function storedVersion(
  context: StoreContext,
  key: CredentialKey,
): Promise<{ version: number; createdAt?: number }> {
  const result = await context.connection.query<{ version: string; created_at: string }>(
    `SELECT version, created_at FROM ${context.names.records} WHERE provider = $1 AND account_key = $2`,
    [key.provider, utf8(key.account)],
  );
  const row = result.rows[0];
  return row === undefined
    ? { version: 0 }
    : { version: Number(row.version), createdAt: Number(row.created_at) };
}

/**
 * `put()`: validates, seals, then one compare-and-set statement — `INSERT … ON CONFLICT DO NOTHING`
 * for `expectedVersion` 0, else `UPDATE … WHERE version = $n`. No row: `VersionConflictError` with the
 * version found. The seal covers the creation time, which a put keeps from the stored row: the update is
 * guarded by it too, and when the caller's input did not carry the stored time the record is sealed again
 * with it and the update retried (still guarded by the version). @internal
 */
export function putRecord(
  context: StoreContext,
  input: CredentialInput,
  options: PutOptions,
): Promise<CredentialRecord> {
  return guarded(context, "put", async () => {
    const key = normalizeKey(input);
    const at = context.now();
    let record = recordToWrite(input, options, undefined, at);
    const { names, connection } = context;
    if (options.expectedVersion === 0) {
      const values = await rowValues(key, record, context.cipher);
      const inserted = await connection.query(
        `INSERT INTO ${names.records} (${columnList}) VALUES (${rowPlaceholders()})
         ON CONFLICT (provider, account_key) DO NOTHING RETURNING version`,
        values,
      );
      if (inserted.rowCount === 1) return record;
      throw new VersionConflictError(key, 0, (await storedVersion(context, key)).version);
    }
    const copy = options.copy === true;
    for (let attempt = 1; ; attempt++) {
      const values = await rowValues(key, record, context.cipher);
      // Without `copy` the stored created_at is kept: it guards the update instead of being set.
      const updated = await connection.query(
        `UPDATE ${names.records} SET account = $3, token_type = $4, expires_at = $5, scopes = $6,
           issuer = $7, client_id = $8, sealed = $9, has_refresh_token = $10, version = $11,
           updated_at = $13${copy ? ", created_at = $12" : ""}
         WHERE provider = $1 AND account_key = $2 AND version = $14${copy ? "" : " AND created_at = $12"}`,
        [...values, options.expectedVersion],
      );
      if (updated.rowCount === 1) return record;
      const stored = await storedVersion(context, key);
      const retry = !copy && attempt < 3 && stored.version === options.expectedVersion;
      if (!retry || stored.createdAt === record.createdAt) {
        throw new VersionConflictError(key, options.expectedVersion, stored.version);
      }
      record = recordToWrite(input, options, stored.createdAt, at);
    }
  });
}
