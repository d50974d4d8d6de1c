import {
  type CredentialKey,
  checkListOptions,
  InvalidArgumentError,
  type ListOptions,
  normalizeKey,
} from "@credstack/storage";
import { guarded, type StoreContext } from "./context.js";
import { utf8 } from "./rows.js";

/** Rows fetched per round trip while listing; each page is its own statement, no connection is held. */
export const listPageSize = 500;

/** A key whose access token expires, with the expiry. */
export interface ExpiringKey extends CredentialKey {
  /** When the access token expires, epoch milliseconds. */
  readonly expiresAt: number;
}

/** Options of `listExpiringBefore()`. */
export interface ListExpiringOptions {
  /** At most this many keys. */
  readonly limit?: number;
  /** Resume after this entry (exclusive): pass the last one a previous listing gave. */
  readonly after?: ExpiringKey;
}

const checkLimit = (limit: number | undefined): void => {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new InvalidArgumentError("The limit must be a non-negative integer.");
  }
};

/**
 * Pages through `query` lazily: `page(after, size)` returns up to `size` rows after the cursor; stops
 * at `limit` or at a short page. @internal
 */
async function* keyset<Row, Item>(
  limit: number | undefined,
  page: (after: Row | undefined, size: number) => Promise<Row[]>,
  toItem: (row: Row) => Item,
): AsyncGenerator<Item> {
  let remaining = limit ?? Number.POSITIVE_INFINITY;
  let cursor: Row | undefined;
  while (remaining > 0) {
    const size = Math.min(listPageSize, remaining);
    const rows = await page(cursor, size);
    for (const row of rows) yield toItem(row);
    remaining -= rows.length;
    cursor = rows.at(-1);
    if (rows.length < size) return;
  }
}

interface KeyRow {
  provider: string;
  account_key: Buffer;
}

/**
 * `list()`: keyset pagination over the primary key, `ORDER BY provider, account_key` — `provider` is
 * `COLLATE "C"` and `account_key` is `bytea`, so the order is UTF-8 byte order, exactly `compareKeys`.
 * @internal
 */
export async function* listKeys(context: StoreContext, options: ListOptions): AsyncGenerator<CredentialKey> {
  const { provider, after, limit } = checkListOptions(options);
  const start =
    after === undefined ? undefined : { provider: after.provider, account_key: utf8(after.account) };
  yield* keyset<KeyRow, CredentialKey>(
    limit,
    (cursor, size) =>
      guarded(context, "list", async () => {
        const from = cursor ?? start;
        const where: string[] = [];
        const values: unknown[] = [];
        if (provider !== undefined) {
          values.push(provider);
          where.push(`provider = $${values.length}`);
        }
        if (from !== undefined) {
          values.push(from.provider, from.account_key);
          where.push(`(provider, account_key) > ($${values.length - 1}, $${values.length})`);
        }
        values.push(size);
        const result = await context.connection.query<KeyRow>(
          `SELECT provider, account_key FROM ${context.names.records}
           ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
           ORDER BY provider, account_key LIMIT $${values.length}`,
          values,
        );
        return result.rows;
      }),
    (row) => ({ provider: row.provider, account: row.account_key.toString("utf8") }),
  );
}

interface ExpiringRow extends KeyRow {
  expires_at: string;
}

/**
 * `listExpiringBefore(t)`: keys whose `expiresAt` is before `t`, soonest first (ties in key order),
 * served by the partial index on `(expires_at, provider, account_key)`. @internal
 */
export async function* listExpiring(
  context: StoreContext,
  before: number,
  options: ListExpiringOptions,
): AsyncGenerator<ExpiringKey> {
  if (!Number.isFinite(before))
    throw new InvalidArgumentError("listExpiringBefore() needs a time in epoch ms.");
  checkLimit(options.limit);
  let start: ExpiringRow | undefined;
  if (options.after !== undefined) {
    const key = normalizeKey(options.after);
    if (!Number.isSafeInteger(options.after.expiresAt)) {
      throw new InvalidArgumentError("listExpiringBefore() after needs the expiresAt it listed.");
    }
    start = {
      provider: key.provider,
      account_key: utf8(key.account),
      expires_at: String(options.after.expiresAt),
    };
  }
  yield* keyset<ExpiringRow, ExpiringKey>(
    options.limit,
    (cursor, size) =>
      guarded(context, "listExpiringBefore", async () => {
        const from = cursor ?? start;
        const values: unknown[] = [Math.ceil(before), size];
        let resume = "";
        if (from !== undefined) {
          values.push(from.expires_at, from.provider, from.account_key);
          resume = "AND (expires_at, provider, account_key) > ($3::bigint, $4, $5)";
        }
        const result = await context.connection.query<ExpiringRow>(
          `SELECT provider, account_key, expires_at FROM ${context.names.records}
           WHERE expires_at IS NOT NULL AND expires_at < $1 ${resume}
           ORDER BY expires_at, provider, account_key LIMIT $2`,
          values,
        );
        return result.rows;
      }),
    (row) => ({
      provider: row.provider,
      account: row.account_key.toString("utf8"),
      expiresAt: Number(row.expires_at),
    }),
  );
}
