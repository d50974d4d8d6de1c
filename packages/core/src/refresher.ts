import * as oauth from "oauth4webapi";
import { CoreConfigError, RefreshFailedError } from "./errors.js";
import { freshnessOf, maxRefreshWindowMs } from "./lib/freshness.js";
import { clientAuthOf, clientOf, describeOAuthError, requestOptionsOf, serverOf } from "./lib/oauth.js";
import { RecordCache, slotOf } from "./lib/record-cache.js";
import { scopePolicyFor } from "./lib/scope-policy.js";
import {
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  isLeaseUnavailable,
  isVersionConflict,
} from "./lib/store-errors.js";
import { checkProviderConfigs, type ProviderConfigs, providerConfigOf } from "./provider-config.js";
import type { Clock } from "./types.js";

/** What the refresher did, for logs and metrics. Never carries a token. */
export interface RefreshEvent {
  /**
   * `refreshed` (token endpoint called, new tokens saved), `skipped` (another caller or process already
   * refreshed), `invalidated` (`invalid_grant`: credential compare-and-deleted), `failed` (transient or
   * save failure), `background_failed` (a refresh inside the window failed; the valid token was served).
   */
  readonly type: "refreshed" | "skipped" | "invalidated" | "failed" | "background_failed";
  /** The provider. */
  readonly provider: string;
  /** The account. */
  readonly account: string;
  /** The error code, for failures. */
  readonly code?: string;
}

/** Options of {@link createRefresher}. */
export interface RefresherOptions {
  /** Where credentials live. Its `lease()` is used when `capabilities.lease`. */
  readonly store: CredentialStore;
  /** The providers, by slug. */
  readonly providers: ProviderConfigs;
  /** Clock. @default Date.now */
  readonly clock?: Clock;
  /** After a failed refresh of a key, no new token request for it for this long. @default 30000 */
  readonly cooldownMs?: number;
  /** How long a refresh lease lives if its holder dies. @default 30000 */
  readonly leaseTtlMs?: number;
  /** How long to wait for a lease another process holds (it is refreshing). @default 15000 */
  readonly leaseWaitMs?: number;
  /** The largest refresh window (the window is min(this, half the lifetime)). @default 300000 */
  readonly maxWindowMs?: number;
  /** How long an opened record is reused without reading the store again. 0 disables. @default 1000 */
  readonly cacheMs?: number;
  /** Most cached records. @default 10000 */
  readonly cacheEntries?: number;
  /** Receives every refresh event (no secrets). */
  readonly onEvent?: (event: RefreshEvent) => void;
  /** `fetch` for the token endpoint. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The outcome of {@link Refresher.usable}: a usable record, or why the user must authorize. */
export type UsableCredential =
  | { readonly kind: "token"; readonly record: CredentialRecord }
  | { readonly kind: "authorization_required"; readonly reason: string };

/** Keeps stored credentials usable: refresh single-flight per key, leased across processes. */
export interface Refresher {
  /** Reads a credential (through the short cache of opened records). */
  read(key: CredentialKey): Promise<CredentialRecord | undefined>;
  /**
   * A usable version of `record`: itself while fresh; itself plus one background refresh inside the
   * window; the result of one shared refresh when expired or `force`d.
   * @throws RefreshFailedError (`ERR_REFRESH_FAILED`) when an expired or forced refresh fails transiently.
   */
  usable(record: CredentialRecord, options?: { readonly force?: boolean }): Promise<UsableCredential>;
  /** Tells the cache about a record this process wrote (or `undefined`: deleted). */
  remember(key: CredentialKey, record: CredentialRecord | undefined): void;
  /** Refreshes in flight right now (background ones included). */
  readonly inFlight: number;
  /** Waits for refreshes in flight; further calls still work. */
  close(): Promise<void>;
}

function buildRecord(
  current: CredentialRecord,
  result: oauth.TokenEndpointResponse,
  now: number,
): CredentialInput {
  const policy = scopePolicyFor(undefined);
  const next: Record<string, unknown> = {
    provider: current.provider,
    account: current.account,
    accessToken: result.access_token,
    refreshToken: result.refresh_token ?? current.refreshToken,
    tokenType: result.token_type.toLowerCase() === "bearer" ? "Bearer" : result.token_type,
    scopes: typeof result.scope === "string" ? policy.parse(result.scope) : current.scopes,
    idToken: result.id_token ?? current.idToken,
    issuer: current.issuer,
    clientId: current.clientId,
    metadata: current.metadata,
    createdAt: current.createdAt,
  };
  if (typeof result.expires_in === "number") next.expiresAt = now + result.expires_in * 1000;
  for (const field of Object.keys(next)) if (next[field] === undefined) delete next[field];
  return next as unknown as CredentialInput;
}

/**
 * Creates the refresher: single-flight per key in this process (one promise per key), leased across
 * processes through `store.lease()` (re-reading after the lease, skipping if another process already
 * refreshed), rotated refresh tokens saved with compare-and-set before the access token is returned,
 * `invalid_grant` → compare-and-delete, transient failures → `RefreshFailedError` and a per-key cooldown.
 *
 * @example
 * ```ts
 * import type { CredentialStore } from "@credstack/storage";
 * declare const store: CredentialStore, googleConfig: ProviderConfig;
 * const refresher = createRefresher({ store, providers: { google: googleConfig } });
 * ```
 */
export function createRefresher(options: RefresherOptions): Refresher {
  const { store, providers } = options;
  checkProviderConfigs(providers);
  const clock = options.clock ?? Date.now;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const leaseWaitMs = options.leaseWaitMs ?? 15_000;
  const maxWindowMs = options.maxWindowMs ?? maxRefreshWindowMs;
  for (const [name, value] of Object.entries({ cooldownMs, leaseTtlMs, leaseWaitMs, maxWindowMs })) {
    if (!Number.isFinite(value) || value < 0)
      throw new CoreConfigError(`${name} must be a non-negative number.`);
  }
  if (leaseTtlMs === 0) throw new CoreConfigError("leaseTtlMs must be positive.");
  const cache = new RecordCache(options.cacheMs ?? 1000, options.cacheEntries ?? 10_000, clock);
  const flights = new Map<string, Promise<UsableCredential>>();
  const reads = new Map<string, Promise<CredentialRecord | undefined>>();
  const failedAt = new Map<string, number>();
  const emit = (type: RefreshEvent["type"], key: CredentialKey, code?: string) => {
    try {
      options.onEvent?.({ type, provider: key.provider, account: key.account, ...(code ? { code } : {}) });
    } catch {
      // A listener's failure must not change a refresh outcome.
    }
  };

  const coolingDown = (slot: string): boolean => {
    const at = failedAt.get(slot);
    if (at === undefined) return false;
    if (clock() - at < cooldownMs) return true;
    failedAt.delete(slot);
    return false;
  };

  const fail = (slot: string, key: CredentialKey, error: RefreshFailedError): never => {
    failedAt.set(slot, clock());
    emit("failed", key, error.code);
    throw error;
  };

  const stillUsable = (record: CredentialRecord | undefined): record is CredentialRecord =>
    record !== undefined && freshnessOf(record, clock(), maxWindowMs) !== "expired";

  async function redeem(slot: string, current: CredentialRecord): Promise<UsableCredential> {
    const key = { provider: current.provider, account: current.account };
    const config = providerConfigOf(providers, current.provider);
    let response: Response;
    try {
      response = await oauth.refreshTokenGrantRequest(
        serverOf(config),
        clientOf(config),
        clientAuthOf(config),
        current.refreshToken as string,
        requestOptionsOf(config, options.fetch),
      );
    } catch (error) {
      // Network error or timeout: the request may or may not have reached the server; never retried.
      return fail(
        slot,
        key,
        new RefreshFailedError(
          `The token endpoint of ${JSON.stringify(key.provider)} could not be reached or timed out; the credential is kept.`,
          { transient: true },
          { cause: describeOAuthError(error) },
        ),
      );
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel().catch(() => {});
      return fail(
        slot,
        key,
        new RefreshFailedError(
          `The token endpoint of ${JSON.stringify(key.provider)} answered ${response.status}; the credential is kept.`,
          { transient: true, status: response.status },
        ),
      );
    }
    let result: oauth.TokenEndpointResponse;
    try {
      result = await oauth.processRefreshTokenResponse(serverOf(config), clientOf(config), response);
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError && error.error === "invalid_grant") {
        try {
          await store.delete(key, { expectedVersion: current.version });
        } catch (deleteError) {
          if (!isVersionConflict(deleteError)) throw deleteError;
          // Someone wrote a newer version meanwhile: that one is not the one that failed.
          const newer = await store.get(key);
          cache.replace(slot, newer);
          if (stillUsable(newer)) return { kind: "token", record: newer };
        }
        cache.replace(slot, undefined);
        failedAt.delete(slot);
        emit("invalidated", key);
        return {
          kind: "authorization_required",
          reason: "the provider rejected the refresh token (invalid_grant); the credential was removed",
        };
      }
      const status = error instanceof oauth.ResponseBodyError ? error.status : response.status;
      return fail(
        slot,
        key,
        new RefreshFailedError(
          `The token endpoint of ${JSON.stringify(key.provider)} refused the refresh (${
            error instanceof oauth.ResponseBodyError ? error.error : "invalid response"
          }); the credential is kept.`,
          { transient: false, status },
          { cause: describeOAuthError(error) },
        ),
      );
    }
    let saved: CredentialRecord;
    try {
      saved = await store.put(buildRecord(current, result, clock()), { expectedVersion: current.version });
    } catch (error) {
      cache.delete(slot);
      return fail(
        slot,
        key,
        new RefreshFailedError(
          `The refreshed tokens of ${JSON.stringify(key.provider)} could not be saved; they were not used.`,
          { transient: false },
          { cause: error },
        ),
      );
    }
    cache.replace(slot, saved);
    failedAt.delete(slot);
    emit("refreshed", key);
    return { kind: "token", record: saved };
  }

  async function refreshNow(slot: string, seen: CredentialRecord, force: boolean): Promise<UsableCredential> {
    const key = { provider: seen.provider, account: seen.account };
    let lease: { release(): Promise<void> } | undefined;
    if (store.capabilities.lease && store.lease !== undefined) {
      try {
        lease = await store.lease(key, { ttlMs: leaseTtlMs, waitMs: leaseWaitMs });
      } catch (error) {
        if (!isLeaseUnavailable(error)) throw error;
        const latest = await store.get(key);
        if (latest !== undefined && latest.version !== seen.version && stillUsable(latest)) {
          cache.replace(slot, latest);
          emit("skipped", key);
          return { kind: "token", record: latest };
        }
        return fail(
          slot,
          key,
          new RefreshFailedError(
            `Another process holds the refresh lease of ${JSON.stringify(key.provider)} and has not finished.`,
            { transient: true },
            { cause: error },
          ),
        );
      }
    }
    try {
      // Re-read under the lease: another process (or an earlier flight here) may have refreshed already.
      const current = await store.get(key);
      cache.replace(slot, current);
      if (current === undefined) {
        return { kind: "authorization_required", reason: "the credential was removed" };
      }
      const state = freshnessOf(current, clock(), maxWindowMs);
      if (current.version !== seen.version && state !== "expired") {
        emit("skipped", key);
        return { kind: "token", record: current };
      }
      if (!force && state === "fresh") return { kind: "token", record: current };
      if (current.refreshToken === undefined) {
        return state === "expired" || force
          ? { kind: "authorization_required", reason: "the token expired and there is no refresh token" }
          : { kind: "token", record: current };
      }
      return await redeem(slot, current);
    } finally {
      await lease?.release().catch(() => {});
    }
  }

  /** One shared refresh per key: later callers join the flight in progress. */
  function sharedRefresh(seen: CredentialRecord, force: boolean): Promise<UsableCredential> {
    const slot = slotOf(seen);
    const existing = flights.get(slot);
    if (existing !== undefined) return existing;
    if (coolingDown(slot)) {
      return Promise.reject(
        new RefreshFailedError(
          `A refresh of ${JSON.stringify(seen.provider)} failed recently; not retrying during the cooldown.`,
          { transient: true },
        ),
      );
    }
    const flight = refreshNow(slot, seen, force).finally(() => {
      if (flights.get(slot) === flight) flights.delete(slot);
    });
    flights.set(slot, flight);
    return flight;
  }

  return {
    read(key) {
      const slot = slotOf(key);
      const hit = cache.get(slot);
      if (hit !== undefined) return Promise.resolve(hit.record);
      // Concurrent misses of one key share one store read.
      let reading = reads.get(slot);
      if (reading === undefined) {
        reading = store
          .get(key)
          .then((record) => {
            cache.set(slot, record);
            return record;
          })
          .finally(() => reads.delete(slot));
        reads.set(slot, reading);
      }
      return reading;
    },
    async usable(record, usableOptions = {}) {
      if (usableOptions.force === true) return sharedRefresh(record, true);
      const state = freshnessOf(record, clock(), maxWindowMs);
      if (state === "fresh") return { kind: "token", record };
      if (state === "window") {
        const slot = slotOf(record);
        if (record.refreshToken !== undefined && !flights.has(slot) && !coolingDown(slot)) {
          sharedRefresh(record, false).catch(() => emit("background_failed", record, "ERR_REFRESH_FAILED"));
        }
        return { kind: "token", record };
      }
      // Expired (with or without a refresh token): the store has the last word, under the lease.
      return sharedRefresh(record, false);
    },
    remember(key, record) {
      cache.replace(slotOf(key), record);
    },
    get inFlight() {
      return flights.size;
    },
    async close() {
      await Promise.allSettled([...flights.values()]);
      cache.clear();
    },
  };
}
