import { hasCode, isCredstackError } from "@credstack/errors";
import * as oauth from "oauth4webapi";
import { CoreConfigError, RefreshFailedError } from "./errors.js";
import { freshnessOf, maxRefreshWindowMs } from "./lib/freshness.js";
import { inSpan, instrumentsOf, tokenEndpointCall } from "./lib/instruments.js";
import { clientAuthOf, clientOf, describeOAuthError, requestOptionsOf, serverOf } from "./lib/oauth.js";
import { RecordCache, slotOf } from "./lib/record-cache.js";
import { scopePolicyFor } from "./lib/scope-policy.js";
import {
  RefreshSpool,
  type RefreshSpoolOptions,
  refreshHashOf,
  type SpoolEntry,
  type SpooledEntry,
} from "./lib/spool.js";
import {
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  isLeaseUnavailable,
  isStoreDown,
} from "./lib/store-errors.js";
import { checkProviderConfigs, type ProviderConfigs, providerConfigOf } from "./provider-config.js";
import { instrumentStore, type TelemetryOptions } from "./telemetry.js";
import type { Clock } from "./types.js";

/** What the refresher did, for logs and metrics. Never carries a token. */
export interface RefreshEvent {
  /**
   * `refreshed` (token endpoint called, new tokens saved), `skipped` (another caller or process already
   * refreshed), `invalidated` (`invalid_grant`: credential compare-and-deleted), `failed` (transient or
   * save failure), `background_failed` (a refresh inside the window failed; the valid token was served),
   * `save_retrying` (the store could not take rotated tokens; they are served and the save is retried),
   * `spooled` (rotated tokens written to the local spool), `replayed` (a spooled record reached the store
   * or was found superseded there), `throttled` (a forced refresh within `forceRefreshIntervalMs` of the
   * last redemption got the token that redemption gave).
   */
  readonly type:
    | "refreshed"
    | "skipped"
    | "invalidated"
    | "failed"
    | "background_failed"
    | "save_retrying"
    | "spooled"
    | "replayed"
    | "throttled";
  /** The provider. */
  readonly provider: string;
  /** The account. */
  readonly account: string;
  /** The error code, for failures. */
  readonly code?: string;
}

/** Options of {@link createRefresher}. */
export interface RefresherOptions extends TelemetryOptions {
  /**
   * Where credentials live. Its `lease()` is used when `capabilities.lease`. Its calls are traced and
   * timed (`instrumentStore`).
   */
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
  /**
   * How long an opened record is reused without reading the store again, at most; 0 disables. Only
   * records are cached, never "no credential". When the store reports changes (`capabilities.watch`:
   * PostgreSQL, Redis), an entry is dropped as soon as another process writes or deletes its record,
   * and this lifetime only bounds staleness while notifications are down.
   * @default 60000 when the store reports changes (`capabilities.watch`), else 1000
   */
  readonly cacheMs?: number;
  /** Most cached records. @default 10000 */
  readonly cacheEntries?: number;
  /** Receives every refresh event (no secrets). */
  readonly onEvent?: (event: RefreshEvent) => void;
  /** `fetch` for the token endpoint. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /**
   * Forced refreshes (`forceRefresh`) of one credential redeem its refresh token at most once per this
   * interval in this process; forced calls inside it get the token that redemption gave. 0 turns the
   * throttle off.
   * @default 5000
   */
  readonly forceRefreshIntervalMs?: number;
  /**
   * A local spool for rotated tokens the store cannot take (docs/core.md): without it, rotated tokens
   * survive a store outage only as long as this process (retried in memory).
   * @default none
   */
  readonly spool?: RefreshSpoolOptions;
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
  /**
   * Waits for refreshes in flight, stops retrying saves (spooled records stay in the spool) and stops
   * watching the store; further calls still work.
   */
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

/** A lease this refresher holds; `keep`: a background save releases it, not the flight. */
interface HeldLease {
  readonly lease: { release(): Promise<void> };
  keep: boolean;
}

/** Default record-cache lifetime on a store that reports changes: entries are invalidated by `watch`. */
const defaultWatchedCacheMs = 60_000;
/** Default record-cache lifetime on a store that cannot report changes: the staleness bound. */
const defaultUnwatchedCacheMs = 1000;

/** Labels of `credstack.cache.lookups` (made once: a hit is the hot path). */
const hitLabels = Object.freeze({ "credstack.result": "hit" });
const missLabels = Object.freeze({ "credstack.result": "miss" });

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
  const { providers } = options;
  checkProviderConfigs(providers);
  const store = instrumentStore(options.store, options);
  const instruments = instrumentsOf(options);
  const clock = options.clock ?? Date.now;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const leaseWaitMs = options.leaseWaitMs ?? 15_000;
  const maxWindowMs = options.maxWindowMs ?? maxRefreshWindowMs;
  const forceRefreshIntervalMs = options.forceRefreshIntervalMs ?? 5000;
  for (const [name, value] of Object.entries({
    cooldownMs,
    leaseTtlMs,
    leaseWaitMs,
    maxWindowMs,
    forceRefreshIntervalMs,
  })) {
    if (!Number.isFinite(value) || value < 0)
      throw new CoreConfigError(`${name} must be a non-negative number.`);
  }
  if (leaseTtlMs === 0) throw new CoreConfigError("leaseTtlMs must be positive.");
  // A store that reports changes keeps cached records coherent (invalidated as soon as another process
  // writes), so entries may live long; without `watch` the lifetime is the staleness bound and stays short.
  const storeWatches = store.capabilities.watch === true && typeof store.watch === "function";
  const cacheMs = options.cacheMs ?? (storeWatches ? defaultWatchedCacheMs : defaultUnwatchedCacheMs);
  const cache = new RecordCache(cacheMs, options.cacheEntries ?? 10_000, clock);
  const spool = options.spool === undefined ? undefined : new RefreshSpool(options.spool);
  const flights = new Map<string, Promise<UsableCredential>>();
  const reads = new Map<string, { generation: number; promise: Promise<CredentialRecord | undefined> }>();
  const failedAt = new Map<string, number>();
  /** When each key was last redeemed by a forced refresh here (for the throttle). */
  const redeemedAt = new Map<string, number>();
  /** Rotated records this process holds that the store has not taken yet, by slot. */
  const pending = new Map<string, CredentialRecord>();
  /** Background saves of rotated records (retries under the lease, then replays). */
  const saves = new Set<Promise<void>>();
  let closing = false;
  /** Wakes background saves sleeping between retries (on close). */
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref?.();
      sleepers.add(wake);
    });
  const watching =
    storeWatches && cacheMs > 0 && store.watch !== undefined
      ? store.watch((change) => cache.invalidate(change)).catch(() => undefined)
      : undefined;
  const emit = (type: RefreshEvent["type"], key: CredentialKey, code?: string) => {
    instruments.refreshes.add(1, { "credstack.provider": key.provider, "credstack.outcome": type });
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

  async function redeem(
    slot: string,
    current: CredentialRecord,
    lease: HeldLease | undefined,
  ): Promise<UsableCredential> {
    const key = { provider: current.provider, account: current.account };
    const config = providerConfigOf(providers, current.provider);
    let response: Response;
    try {
      response = await tokenEndpointCall(instruments, key.provider, "refresh_token", () =>
        oauth.refreshTokenGrantRequest(
          serverOf(config),
          clientOf(config),
          clientAuthOf(config),
          current.refreshToken as string,
          requestOptionsOf(config, options.fetch),
        ),
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
          if (!hasCode(deleteError, "ERR_VERSION_CONFLICT")) throw deleteError;
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
    return save(slot, current, buildRecord(current, result, clock()), lease);
  }

  /** A record as served while the store has not taken it (version: the one it will replace). */
  const unsaved = (base: number, record: CredentialInput): CredentialRecord =>
    ({
      ...record,
      version: base,
      createdAt: record.createdAt ?? clock(),
      updatedAt: clock(),
    }) as CredentialRecord;

  /**
   * Writes a rotated or spooled record over `entry.baseVersion`. If the store moved on: when it still
   * holds the redeemed refresh token, the record is written over the newer version; otherwise the newer
   * record wins (it was written by a replay elsewhere or a new authorization) and is returned.
   */
  async function persist(entry: SpoolEntry): Promise<CredentialRecord | undefined> {
    try {
      return await store.put(entry.record, { expectedVersion: entry.baseVersion });
    } catch (error) {
      if (!hasCode(error, "ERR_VERSION_CONFLICT")) throw error;
    }
    const stored = await store.get(entry.record);
    if (stored === undefined || refreshHashOf(stored.refreshToken) !== entry.oldRefreshHash) return stored;
    return store.put(entry.record, { expectedVersion: stored.version });
  }

  const settle = (slot: string, record: CredentialRecord | undefined) => {
    pending.delete(slot);
    cache.replace(slot, record);
  };

  /** Replays what the spool holds for `key` (oldest first); the last outcome, or nothing spooled. */
  async function replay(key: CredentialKey, entries: readonly SpooledEntry[]) {
    let record: CredentialRecord | undefined;
    for (const entry of entries) {
      record = await persist(entry);
      await spool?.remove(entry.file);
      emit("replayed", key);
    }
    settle(slotOf(key), record);
    return record;
  }

  /**
   * Reads `key` from the store, replaying spooled records of it first: a refresh token spooled here or
   * by another process is never passed over. When the store is down and a record is spooled, the
   * newest spooled record is served.
   */
  async function readThrough(key: CredentialKey): Promise<CredentialRecord | undefined> {
    const held = pending.get(slotOf(key));
    const entries = spool === undefined ? [] : await spool.entriesOf(key);
    if (entries.length === 0) return held ?? store.get(key);
    try {
      return await replay(key, entries);
    } catch (error) {
      if (!isStoreDown(error)) throw error;
      const newest = entries[entries.length - 1] as SpooledEntry;
      return held ?? unsaved(newest.baseVersion, newest.record);
    }
  }

  /**
   * Saves rotated tokens with compare-and-set. When the store cannot take them, they are served at once
   * and kept: written to the spool (if configured), retried with backoff while the lease lasts, then
   * replayed in the background until the store takes them or the refresher closes.
   */
  async function save(
    slot: string,
    current: CredentialRecord,
    next: CredentialInput,
    lease: HeldLease | undefined,
  ): Promise<UsableCredential> {
    const key = { provider: current.provider, account: current.account };
    const entry: SpoolEntry = {
      baseVersion: current.version,
      oldRefreshHash: refreshHashOf(current.refreshToken),
      record: next,
    };
    let saved: CredentialRecord;
    try {
      saved = await store.put(next, { expectedVersion: current.version });
    } catch (error) {
      if (!isStoreDown(error)) {
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
      const served = unsaved(current.version, next);
      pending.set(slot, served);
      cache.delete(slot);
      emit("save_retrying", key, error instanceof Error && "code" in error ? String(error.code) : undefined);
      let file: string | undefined;
      if (spool !== undefined) {
        try {
          file = await spool.add(entry);
          emit("spooled", key);
        } catch (spoolError) {
          emit("failed", key, isCredstackError(spoolError) ? spoolError.code : "ERR_SPOOL_WRITE");
        }
      }
      if (lease !== undefined) lease.keep = true;
      const background = keepSaving(slot, key, entry, file, lease).finally(() => {
        saves.delete(background);
      });
      saves.add(background);
      failedAt.delete(slot);
      return { kind: "token", record: served };
    }
    cache.replace(slot, saved);
    failedAt.delete(slot);
    emit("refreshed", key);
    return { kind: "token", record: saved };
  }

  async function keepSaving(
    slot: string,
    key: CredentialKey,
    entry: SpoolEntry,
    file: string | undefined,
    lease: HeldLease | undefined,
  ): Promise<void> {
    const leaseEnds = Date.now() + leaseTtlMs * 0.8;
    let delay = 50;
    try {
      while (!closing) {
        await sleep(delay);
        if (closing) break;
        if (lease !== undefined && Date.now() > leaseEnds) {
          await lease.lease.release().catch(() => {});
          lease = undefined;
        }
        try {
          const stored = await persist(entry);
          if (file !== undefined) await spool?.remove(file);
          settle(slot, stored);
          emit(file === undefined ? "refreshed" : "replayed", key);
          return;
        } catch (error) {
          if (!isStoreDown(error)) {
            // A bad record or a key failure: the spooled copy stays for inspection; stop retrying.
            emit("failed", key, isCredstackError(error) ? error.code : "ERR_UNEXPECTED");
            return;
          }
        }
        delay = Math.min(delay * 2, lease === undefined ? 5000 : 1000);
      }
    } finally {
      await lease?.lease.release().catch(() => {});
    }
  }

  async function refreshNow(slot: string, seen: CredentialRecord, force: boolean): Promise<UsableCredential> {
    const key = { provider: seen.provider, account: seen.account };
    const held = pending.get(slot);
    if (held !== undefined) {
      // Rotated tokens this process could not save yet: never redeem the refresh token they replaced.
      if (stillUsable(held)) return { kind: "token", record: held };
      return fail(
        slot,
        key,
        new RefreshFailedError(
          `The rotated tokens of ${JSON.stringify(key.provider)} are not saved yet (store unavailable).`,
          { transient: true },
        ),
      );
    }
    let lease: HeldLease | undefined;
    if (store.capabilities.lease && store.lease !== undefined) {
      const take = store.lease.bind(store);
      try {
        lease = {
          lease: await inSpan(
            instruments.tracer,
            "credstack.refresh.lease_wait",
            { "credstack.provider": key.provider },
            () => take(key, { ttlMs: leaseTtlMs, waitMs: leaseWaitMs }),
          ),
          keep: false,
        };
      } catch (error) {
        if (!isLeaseUnavailable(error)) throw error;
        const latest = await readThrough(key);
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
      // Re-read under the lease: another process (or an earlier flight here) may have refreshed already;
      // a spooled rotated record is replayed first, so an old refresh token is never redeemed.
      const current = await readThrough(key);
      if (pending.has(slot)) {
        return current !== undefined && stillUsable(current)
          ? { kind: "token", record: current }
          : fail(
              slot,
              key,
              new RefreshFailedError(
                `The rotated tokens of ${JSON.stringify(key.provider)} are spooled and the store is unavailable.`,
                { transient: true },
              ),
            );
      }
      cache.replace(slot, current);
      if (current === undefined) {
        return { kind: "authorization_required", reason: "the credential was removed" };
      }
      const state = freshnessOf(current, clock(), maxWindowMs);
      if (current.version !== seen.version && state !== "expired") {
        emit("skipped", key);
        return { kind: "token", record: current };
      }
      if (force && state !== "expired" && throttled(slot)) {
        emit("throttled", key);
        return { kind: "token", record: current };
      }
      if (!force && state === "fresh") return { kind: "token", record: current };
      if (current.refreshToken === undefined) {
        return state === "expired" || force
          ? { kind: "authorization_required", reason: "the token expired and there is no refresh token" }
          : { kind: "token", record: current };
      }
      // The throttle counts forced redemptions (the ones a caller can repeat at will).
      if (force) redeemedAt.set(slot, clock());
      return await redeem(slot, current, lease);
    } finally {
      if (lease !== undefined && !lease.keep) await lease.lease.release().catch(() => {});
    }
  }

  const throttled = (slot: string): boolean => {
    const at = redeemedAt.get(slot);
    if (at === undefined) return false;
    const since = clock() - at;
    if (since >= 0 && since < forceRefreshIntervalMs) return true;
    redeemedAt.delete(slot);
    return false;
  };

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
    const flight = inSpan(
      instruments.tracer,
      "credstack.refresh",
      { "credstack.provider": seen.provider, "credstack.refresh.forced": force },
      async (span) => {
        const outcome = await refreshNow(slot, seen, force);
        span.setAttribute("credstack.outcome", outcome.kind);
        return outcome;
      },
    ).finally(() => {
      if (flights.get(slot) === flight) flights.delete(slot);
    });
    flights.set(slot, flight);
    return flight;
  }

  if (spool !== undefined) {
    // Records a process spooled and could not replay before it stopped: replayed now, in the background
    // (a key read meanwhile replays its own entries first; replaying twice is harmless).
    const startup: Promise<void> = (async () => {
      const byKey = new Map<string, SpooledEntry[]>();
      for (const entry of await spool.all()) {
        const slot = slotOf(entry.record);
        byKey.set(slot, [...(byKey.get(slot) ?? []), entry]);
      }
      for (const entries of byKey.values()) {
        const first = entries[0] as SpooledEntry;
        await replay({ provider: first.record.provider, account: first.record.account }, entries).catch(
          () => {},
        );
      }
    })()
      .catch(() => {})
      .finally(() => saves.delete(startup));
    saves.add(startup);
  }

  return {
    read(key) {
      const slot = slotOf(key);
      const held = pending.get(slot);
      if (held !== undefined) return Promise.resolve(held);
      const hit = cache.get(slot);
      if (instruments.metered) instruments.cacheLookups.add(1, hit === undefined ? missLabels : hitLabels);
      if (hit !== undefined) return Promise.resolve(hit.record);
      // Concurrent misses of one key share one store read (unless a change was reported meanwhile).
      const generation = cache.generation;
      let reading = reads.get(slot);
      if (reading === undefined || reading.generation !== generation) {
        const promise = readThrough(key)
          .then((record) => {
            if (!pending.has(slot)) cache.set(slot, record, generation);
            return record;
          })
          .finally(() => {
            if (reads.get(slot)?.promise === promise) reads.delete(slot);
          });
        reading = { generation, promise };
        reads.set(slot, reading);
      }
      return reading.promise;
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
      const slot = slotOf(key);
      pending.delete(slot);
      cache.replace(slot, record);
    },
    get inFlight() {
      return flights.size;
    },
    async close() {
      await Promise.allSettled([...flights.values()]);
      closing = true;
      for (const wake of [...sleepers]) wake();
      await Promise.allSettled([...saves]);
      const stop = await watching;
      await stop?.().catch(() => {});
      cache.clear();
      closing = false;
    },
  };
}
