import type { CredentialRecord } from "@credstack/storage";

/** The longest refresh window: 5 minutes. @internal */
export const maxRefreshWindowMs = 5 * 60_000;

/**
 * Where a token stands: `fresh`, inside its refresh `window` (min(5 min, half its lifetime) before
 * expiry), or `expired`. A token without expiry is always `fresh`; its lifetime starts at the record's
 * `updatedAt` (when it was stored). @internal
 */
export function freshnessOf(
  record: Pick<CredentialRecord, "expiresAt" | "updatedAt" | "accessToken">,
  now: number,
  maxWindowMs = maxRefreshWindowMs,
): "fresh" | "window" | "expired" {
  if (record.accessToken === undefined) return "expired";
  const expiresAt = record.expiresAt;
  if (expiresAt === undefined) return "fresh";
  const remaining = expiresAt - now;
  if (remaining <= 0) return "expired";
  const lifetime = Math.max(0, expiresAt - record.updatedAt);
  return remaining <= Math.min(maxWindowMs, lifetime / 2) ? "window" : "fresh";
}
