import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { GatewayConfigError } from "../errors.js";

/** One API key the gateway accepts: its id (for logs and rate limits) and the SHA-256 of the key. */
export interface ApiKeyEntry {
  /** A name for the key holder (`gmail-mcp`); shown in logs, used as the rate-limit bucket. */
  readonly id: string;
  /** `sha256:` followed by the hex SHA-256 of the key, as {@link hashApiKey} returns it. */
  readonly hash: string;
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
    if (entry.rateLimit !== undefined && (!Number.isSafeInteger(entry.rateLimit) || entry.rateLimit < 1)) {
      throw new GatewayConfigError(`API key ${entry.id}: rateLimit must be a positive integer.`);
    }
    return { entry, digest: Buffer.from(match[1] as string, "hex") };
  });
  return {
    size: decoded.length,
    find(presented) {
      if (typeof presented !== "string" || presented.length === 0 || presented.length > 512) return undefined;
      const digest = createHash("sha256").update(presented, "utf8").digest();
      let found: ApiKeyEntry | undefined;
      // Every entry is compared (no early exit), each in constant time.
      for (const { entry, digest: expected } of decoded) {
        if (timingSafeEqual(digest, expected) && found === undefined) found = entry;
      }
      return found;
    },
  };
}
