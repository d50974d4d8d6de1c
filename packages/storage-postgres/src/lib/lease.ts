import { randomUUID } from "node:crypto";
import {
  type CredentialKey,
  InvalidArgumentError,
  type Lease,
  type LeaseOptions,
  LeaseUnavailableError,
  normalizeKey,
} from "@credstack/storage";
import { toStoreError } from "./connection.js";
import { guarded, type StoreContext } from "./context.js";
import { utf8 } from "./rows.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How often a waiting `lease()` tries again. */
const retryMs = 25;

/**
 * Takes the lease row of `key` when it is absent or expired, in one statement. Expiry is measured on the
 * database clock (`clock_timestamp()`), so processes on hosts with skewed clocks still agree. The
 * `ON CONFLICT … WHERE` compares the held expiry with the new row's start time (`EXCLUDED.expires_at -
 * ttl`). Returns the expiry, or `undefined` while the lease is held elsewhere.
 */
async function tryTake(
  context: StoreContext,
  key: CredentialKey,
  token: string,
  ttlMs: number,
): Promise<number | undefined> {
  const { leases } = context.names;
  const result = await context.connection.query<{ expires_at: string }>(
    `INSERT INTO ${leases} (provider, account_key, token, expires_at)
     SELECT $1, $2, $3, (extract(epoch FROM clock_timestamp()) * 1000)::bigint + $4::bigint
     ON CONFLICT (provider, account_key) DO UPDATE
       SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
       WHERE ${leases}.expires_at <= EXCLUDED.expires_at - $4::bigint
     RETURNING expires_at`,
    [key.provider, utf8(key.account), token, ttlMs],
  );
  const row = result.rows[0];
  return row === undefined ? undefined : Number(row.expires_at);
}

/**
 * `lease()`: a row in `<table>_leases` with a random token and an expiry, taken with one upsert and
 * retried every 25 ms until `waitMs` has passed. It does not depend on any one pooled connection, so it
 * survives pool churn and a dead holder (the row simply expires). `release()` deletes the row only
 * while it still carries this holder's token. @internal
 */
export function takeLease(context: StoreContext, key: CredentialKey, options: LeaseOptions): Promise<Lease> {
  return guarded(context, "lease", async () => {
    const normal = normalizeKey(key);
    const ttlMs = Math.ceil(options?.ttlMs);
    const waitMs = options.waitMs ?? 0;
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
      throw new InvalidArgumentError("lease() needs ttlMs: a positive number of milliseconds.");
    }
    if (!Number.isFinite(waitMs) || waitMs < 0) {
      throw new InvalidArgumentError("lease() waitMs must be a non-negative number of milliseconds.");
    }
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    for (;;) {
      const expiresAt = await tryTake(context, normal, token, ttlMs);
      if (expiresAt !== undefined) return heldLease(context, normal, token, expiresAt);
      const left = deadline - Date.now();
      if (left <= 0) throw new LeaseUnavailableError(normal);
      await sleep(Math.min(retryMs, left));
    }
  });
}

function heldLease(context: StoreContext, key: CredentialKey, token: string, expiresAt: number): Lease {
  return {
    key,
    expiresAt,
    async release() {
      try {
        await context.connection.query(
          `DELETE FROM ${context.names.leases} WHERE provider = $1 AND account_key = $2 AND token = $3`,
          [key.provider, utf8(key.account), token],
        );
      } catch (error) {
        throw toStoreError(error, "lease release");
      }
    },
  };
}
