/** Limits on failed authentications, per client address. */
export interface FailedAuthLimit {
  /** Failed authentications (wrong API key, invalid subject token) per window and client address. @default 20 */
  readonly max?: number;
  /** The window, in ms. @default 60000 */
  readonly windowMs?: number;
}

/** Counts failures per client address in fixed windows (per process). @internal */
export interface FailureCounter {
  /** Seconds until `address` may try again, or 0 when it is not blocked. */
  blockedFor(address: string, now: number): number;
  /** Records one failure of `address`. */
  fail(address: string, now: number): void;
}

/** Most addresses tracked at once; beyond, the oldest window is forgotten. */
const maxAddresses = 50_000;

/** @internal */
export function failureCounter(limit: FailedAuthLimit | undefined): FailureCounter {
  const max = limit?.max ?? 20;
  const windowMs = limit?.windowMs ?? 60_000;
  const windows = new Map<string, { count: number; resetAt: number }>();
  return {
    blockedFor(address, now) {
      const entry = windows.get(address);
      if (entry === undefined) return 0;
      if (entry.resetAt <= now) {
        windows.delete(address);
        return 0;
      }
      return entry.count >= max ? Math.max(1, Math.ceil((entry.resetAt - now) / 1000)) : 0;
    },
    fail(address, now) {
      const entry = windows.get(address);
      if (entry !== undefined && entry.resetAt > now) {
        entry.count++;
        return;
      }
      windows.delete(address);
      if (windows.size >= maxAddresses) {
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      windows.set(address, { count: 1, resetAt: now + windowMs });
    },
  };
}

/** Live pending authorizations per API key, to cap them. @internal */
export interface PendingCounter {
  /**
   * Whether key `keyId` is at its cap for a new pending authorization; `flow` (identity, provider,
   * account, scopes) already pending for the key is reused and never counts as new.
   */
  full(keyId: string, flow: string, now: number): boolean;
  /** Records the pending authorization `flow` of `keyId`, live until `expiresAt`. */
  add(keyId: string, flow: string, expiresAt: number): void;
}

/** @internal */
export function pendingCounter(maxPerKey: number): PendingCounter {
  const byKey = new Map<string, Map<string, number>>();
  const liveOf = (keyId: string, now: number) => {
    const entries = byKey.get(keyId) ?? new Map<string, number>();
    for (const [flow, expiresAt] of entries) if (expiresAt <= now) entries.delete(flow);
    byKey.set(keyId, entries);
    return entries;
  };
  return {
    full(keyId, flow, now) {
      const entries = liveOf(keyId, now);
      return !entries.has(flow) && entries.size >= maxPerKey;
    },
    add(keyId, flow, expiresAt) {
      liveOf(keyId, 0).set(flow, expiresAt);
    },
  };
}
