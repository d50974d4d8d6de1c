import {
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  normalizeKey,
  type PutOptions,
  recordToWrite,
  VersionConflictError,
} from "@credstack/storage";
import { guarded, type StoreContext } from "./context.js";
import { rowValues, utf8 } from "./rows.js";

/** The stored version (0: none) and creation time under `key`. @internal */
export async function storedVersion(
  context: StoreContext,
  key: CredentialKey,
): Promise<{ version: number; createdAt?: number }> {
  const result = await context.connection.query<{ version: string; created_at: string }>(
    context.statements.selectVersion,
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
    const { statements, connection } = context;
    if (options.expectedVersion === 0) {
      const values = await rowValues(key, record, context.cipher);
      const inserted = await connection.query(statements.insert, values);
      if (inserted.rowCount === 1) return record;
      throw new VersionConflictError(key, 0, (await storedVersion(context, key)).version);
    }
    const copy = options.copy === true;
    for (let attempt = 1; ; attempt++) {
      const values = await rowValues(key, record, context.cipher);
      values.push(options.expectedVersion); // $14
      // Without `copy` the stored created_at is kept: it guards the update instead of being set.
      const updated = await connection.query(copy ? statements.updateCopy : statements.update, values);
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
