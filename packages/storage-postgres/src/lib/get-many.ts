import {
  type CredentialKey,
  type CredstackError,
  type GetManyResult,
  getEach,
  normalizeKey,
} from "@credstack/storage";
import { guarded, type StoreContext, selectList } from "./context.js";
import { openRow, type RecordRow, utf8 } from "./rows.js";

/** A key of the batch: its normal form and UTF-8 account bytes, or why it is not a valid key. */
type Prepared = { normal: CredentialKey; account: Buffer } | { invalid: CredstackError };

const slotOf = (provider: string, accountKey: Buffer): string =>
  `${provider}\u0000${accountKey.toString("latin1")}`;

function prepare(key: CredentialKey): Prepared {
  try {
    const normal = normalizeKey(key);
    return { normal, account: utf8(normal.account) };
  } catch (error) {
    return { invalid: error as CredstackError };
  }
}

/**
 * `getMany()`: one `SELECT … WHERE (provider, account_key) IN (unnest($1, $2))` for the whole batch,
 * then each row opened by {@link openRow}, exactly as `get()` opens it (key binding, seal, validation).
 * A row that fails to open is that key's `{ error }`; an invalid key too. @internal
 */
export function getManyRecords(
  context: StoreContext,
  keys: readonly CredentialKey[],
): Promise<readonly GetManyResult[]> {
  return guarded(context, "getMany", async () => {
    const prepared = keys.map(prepare);
    const providers: string[] = [];
    const accounts: Buffer[] = [];
    for (const item of prepared) {
      if ("normal" in item) {
        providers.push(item.normal.provider);
        accounts.push(item.account);
      }
    }
    const rows = new Map<string, RecordRow>();
    if (providers.length > 0) {
      const result = await context.connection.query<RecordRow>(
        `SELECT ${selectList} FROM ${context.names.records}
         WHERE (provider, account_key) IN (SELECT * FROM unnest($1::text[], $2::bytea[]))`,
        [providers, accounts],
      );
      for (const row of result.rows) rows.set(slotOf(row.provider, row.account_key), row);
    }
    return getEach(
      prepared,
      async (item) => {
        if ("invalid" in item) throw item.invalid;
        const row = rows.get(slotOf(item.normal.provider, item.account));
        return row === undefined
          ? undefined
          : openRow(item.normal, row, context.cipher, context.names.location);
      },
      { concurrency: Math.max(1, prepared.length) },
    );
  });
}
