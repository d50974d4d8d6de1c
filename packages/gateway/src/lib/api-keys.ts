import { createHash, hash, randomBytes, timingSafeEqual } from "node:crypto";
import { GatewayConfigError } from "../errors.js";

/**
 * What a key may do:
 * - `delegated`: every request carries the end user's bearer JWT (`Authorization: Bearer`, or the token
 *   exchange's `subject_token`); the gateway verifies it and serves only that identity's accounts.
 * - `service`: the accounts matching `accounts` (required) on the providers in `providers`.
 * - `unrestricted`: any account on any provider — for one developer on their own machine only.
 */
export type ApiKeyMode = "delegated" | "service" | "unrestricted";

/** One API key the gateway accepts: its id (for logs and rate limits), the SHA-256 of the key and its grant. */
export interface ApiKeyEntry {
  /** A name for the key holder (`gmail-mcp`); shown in logs, used as the rate-limit bucket. */
  readonly id: string;
  /** `sha256:` followed by the hex SHA-256 of the key, as {@link hashApiKey} returns it. */
  readonly hash: string;
  /** What the key may do (see {@link ApiKeyMode}); required. */
  readonly mode: ApiKeyMode;
  /** Providers the key may use. @default every configured provider */
  readonly providers?: readonly string[];
  /**
   * `service` keys: the accounts they may read — exact accounts (`alice@example.com`), domains
   * (`@example.com`) or patterns with `*` (`*-bot@example.com`), compared case-insensitively.
   * `delegated` keys: an optional further restriction of the identities' accounts.
   */
  readonly accounts?: readonly string[];
  /** Requests this key may make per rate-limit window. @default the gateway's `rateLimit.max` */
  readonly rateLimit?: number;
}

/** Checked, decoded key entries. @internal */
export interface ApiKeyTable {
  /** The entry whose hash matches `presented`, compared in constant time against every entry. */
  find(presented: string | undefined): ApiKeyEntry | undefined;
  readonly size: number;
}

const hashPattern = /^sha256:([0-9a-f]{64})$/;
const idPattern = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The at-rest form of an API key: `sha256:<hex>`. API keys are 256-bit random values, so a fast hash is
 * enough (no dictionary to attack); the gateway never stores or logs the key itself.
 * @example
 * ```ts
 * hashApiKey("csk_3q2…"); // "sha256:9f86d0…"
 * ```
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/** A new random API key (`csk_` + 43 base64url characters, 256 bits) and its at-rest hash. */
export function generateApiKey(): { readonly key: string; readonly hash: string } {
  const key = `csk_${randomBytes(32).toString("base64url")}`;
  return { key, hash: hashApiKey(key) };
}

const modes = new Set<string>(["delegated", "service", "unrestricted"]);

function checkGrant(entry: ApiKeyEntry): void {
  if (!modes.has(entry.mode)) {
    throw new GatewayConfigError(
      `API key ${entry.id}: mode must be "delegated", "service" or "unrestricted" (every key declares its grant).`,
    );
  }
  for (const field of ["providers", "accounts"] as const) {
    const list = entry[field];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item.trim() === "")) {
      throw new GatewayConfigError(`API key ${entry.id}: ${field} must be a list of non-empty strings.`);
    }
  }
  if (entry.mode === "service" && (entry.accounts === undefined || entry.accounts.length === 0)) {
    throw new GatewayConfigError(
      `API key ${entry.id}: a service key needs an accounts allow-list (accounts, @domains or patterns).`,
    );
  }
  if (entry.mode === "unrestricted" && entry.accounts !== undefined) {
    throw new GatewayConfigError(
      `API key ${entry.id}: an unrestricted key has no accounts list; use "service".`,
    );
  }
}

/** Compiles an accounts allow-list entry: exact, `@domain`, or a `*` pattern; case-insensitive. */
function accountMatcher(pattern: string): (account: string) => boolean {
  const wanted = pattern.trim().toLowerCase();
  if (wanted.startsWith("@")) return (account) => account.endsWith(wanted);
  if (!wanted.includes("*")) return (account) => account === wanted;
  const source = wanted
    .split("*")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  const regex = new RegExp(`^${source}$`);
  return (account) => regex.test(account);
}

const matchers = new WeakMap<ApiKeyEntry, ((account: string) => boolean)[]>();

/** Whether `key` may use `account` on `provider` (its grant; delegated keys also need the identity's consent). @internal */
export function keyAllows(key: ApiKeyEntry, provider: string, account: string): boolean {
  if (key.providers !== undefined && !key.providers.includes(provider)) return false;
  if (key.accounts === undefined) return key.mode !== "service";
  let compiled = matchers.get(key);
  if (compiled === undefined) {
    compiled = key.accounts.map(accountMatcher);
    matchers.set(key, compiled);
  }
  const normalized = account.trim().toLowerCase();
  return compiled.some((matches) => matches(normalized));
}

/** Checks the entries and returns the lookup table. @throws GatewayConfigError @internal */
export function apiKeyTable(entries: readonly ApiKeyEntry[]): ApiKeyTable {
  const ids = new Set<string>();
  const decoded = entries.map((entry) => {
    if (typeof entry?.id !== "string" || !idPattern.test(entry.id)) {
      throw new GatewayConfigError("Every API key needs an id of 1-64 characters [A-Za-z0-9._-].");
    }
    if (ids.has(entry.id)) throw new GatewayConfigError(`Two API keys are named ${entry.id}.`);
    ids.add(entry.id);
    const match = typeof entry.hash === "string" ? hashPattern.exec(entry.hash.toLowerCase()) : null;
    if (match === null) {
      throw new GatewayConfigError(
        `API key ${entry.id}: hash must be "sha256:" + 64 hex digits (see hashApiKey / credstack-gateway hash-key).`,
      );
    }
    checkGrant(entry);
    if (entry.rateLimit !== undefined && (!Number.isSafeInteger(entry.rateLimit) || entry.rateLimit < 1)) {
      throw new GatewayConfigError(`API key ${entry.id}: rateLimit must be a positive integer.`);
    }
    return { entry, digest: Buffer.from(match[1] as string, "hex") };
  });
  return {
    size: decoded.length,
    find(presented) {
      if (typeof presented !== "string" || presented.length === 0 || presented.length > 512) return undefined;
      // One-shot hash: no Hash object per request.
      const digest = hash("sha256", presented, "buffer");
      let found: ApiKeyEntry | undefined;
      // Every entry is compared (no early exit), each in constant time.
      for (const { entry, digest: expected } of decoded) {
        if (timingSafeEqual(digest, expected) && found === undefined) found = entry;
      }
      return found;
    },
  };
}
