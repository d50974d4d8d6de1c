import { hasCode, isCredstackError } from "@credstack/errors";

export type { CredentialInput, CredentialKey, CredentialRecord, CredentialStore } from "@credstack/storage";

/** True for `ERR_VERSION_CONFLICT` (from any copy of the storage package). @internal */
export function isVersionConflict(error: unknown): boolean {
  return hasCode(error, "ERR_VERSION_CONFLICT");
}

/** True for `ERR_LEASE_UNAVAILABLE`. @internal */
export function isLeaseUnavailable(error: unknown): boolean {
  return hasCode(error, "ERR_LEASE_UNAVAILABLE");
}

/** True when one record cannot be read: tampered (`ERR_INTEGRITY`), corrupt, or sealed under a missing key. @internal */
export function isUnreadableRecord(error: unknown): boolean {
  return (
    isCredstackError(error) &&
    (error.code === "ERR_INTEGRITY" ||
      error.code === "ERR_CORRUPT_RECORD" ||
      error.code === "ERR_KEY_NOT_FOUND")
  );
}

/**
 * True for failures where the store (or its cipher's key service) could not be reached: a write may be
 * retried later. @internal
 */
export function isStoreDown(error: unknown): boolean {
  return (
    isCredstackError(error) &&
    (error.code === "ERR_STORE_UNAVAILABLE" || error.code === "ERR_CIPHER_UNAVAILABLE")
  );
}
