import type { Clock } from "./types.js";

/** A pending authorization: what the callback needs to finish it. Holds the PKCE verifier (secret). */
export interface AuthorizationTransaction {
  /** The id, also the `state` parameter (CSPRNG). */
  readonly id: string;
  /** The provider. */
  readonly provider: string;
  /** The account it is for, when known before the user signs in. */
  readonly account?: string;
  /** The identity that started it. */
  readonly identityId?: string;
  /** The scopes requested. */
  readonly scopes: readonly string[];
  /** The scopes the credential already held (kept when the provider does not echo `scope`). */
  readonly grantedScopes: readonly string[];
  /** The PKCE code verifier (secret). */
  readonly codeVerifier: string;
  /** The redirect URI used. */
  readonly redirectUri: string;
  /** Created, epoch ms. */
  readonly createdAt: number;
  /** The transaction is void after this, epoch ms. */
  readonly expiresAt: number;
}

/** Where pending authorizations wait for their callback. `take` must be atomic: one caller gets it. */
export interface TransactionStore {
  /** Stores a transaction until its `expiresAt`. */
  put(transaction: AuthorizationTransaction): Promise<void>;
  /** Removes and returns the live transaction `id`; `undefined` if unknown, taken or expired. */
  take(id: string): Promise<AuthorizationTransaction | undefined>;
  /**
   * True while transaction `id` is live (not taken, not expired). With a store shared by several
   * processes, implement it: the authorizer then never hands out a pending transaction that another
   * process has already completed.
   */
  has?(id: string): Promise<boolean>;
  /**
   * Returns the live transaction `id` without taking it. With `peek` and `claimCode`, a callback is
   * validated and its code redeemed before the transaction is consumed, so a forged or failed callback
   * leaves the genuine flow usable.
   */
  peek?(id: string): Promise<AuthorizationTransaction | undefined>;
  /**
   * Claims the right to redeem `codeHash` (a SHA-256 of state and code) for transaction `id`: true for
   * the first caller only, also across processes sharing the store, until `expiresAt`.
   */
  claimCode?(id: string, codeHash: string, expiresAt: number): Promise<boolean>;
}

/** Options of {@link memoryTransactionStore}. */
export interface MemoryTransactionStoreOptions {
  /** Clock. @default Date.now */
  readonly clock?: Clock;
  /** Most pending transactions; the oldest are dropped beyond. @default 10000 */
  readonly maxEntries?: number;
}

/** Pending authorizations in memory (single process). `take` is atomic: it deletes before returning. */
export function memoryTransactionStore(options: MemoryTransactionStoreOptions = {}): TransactionStore {
  const clock = options.clock ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const pending = new Map<string, AuthorizationTransaction>();
  const claimed = new Map<string, number>();
  return {
    async put(transaction) {
      const now = clock();
      for (const [id, entry] of pending) if (entry.expiresAt <= now) pending.delete(id);
      while (pending.size >= max) {
        const oldest = pending.keys().next().value;
        if (oldest === undefined) break;
        pending.delete(oldest);
      }
      pending.set(transaction.id, transaction);
    },
    async take(id) {
      const transaction = pending.get(id);
      if (transaction === undefined) return undefined;
      pending.delete(id);
      return transaction.expiresAt > clock() ? transaction : undefined;
    },
    async has(id) {
      const transaction = pending.get(id);
      return transaction !== undefined && transaction.expiresAt > clock();
    },
    async peek(id) {
      const transaction = pending.get(id);
      return transaction !== undefined && transaction.expiresAt > clock() ? transaction : undefined;
    },
    async claimCode(id, codeHash, expiresAt) {
      const now = clock();
      for (const [key, until] of claimed) if (until <= now) claimed.delete(key);
      const key = `${id}\u0000${codeHash}`;
      if (claimed.has(key) || claimed.size >= max) return false;
      claimed.set(key, expiresAt);
      return true;
    },
  };
}
