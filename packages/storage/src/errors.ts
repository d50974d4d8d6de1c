import {
  ConfigError,
  CredstackError,
  type CredstackErrorOptions,
  InvalidArgumentError,
} from "@credstack/errors";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { CredstackError, InvalidArgumentError };

const maxShownLength = 80;

/**
 * Shows a key in an error message: the provider and the account, clipped and quoted, so that a hostile
 * account name (10 kB, control characters) cannot flood or forge a log line. Accounts are identifiers,
 * not secrets; no token value ever reaches this function. Store authors use it for their own messages.
 */
export function describeKey(key: { readonly provider: string; readonly account: string }): string {
  const account =
    key.account.length > maxShownLength ? `${key.account.slice(0, maxShownLength)}…` : key.account;
  return `${JSON.stringify(key.provider)}/${JSON.stringify(account)}`;
}

/** A write or delete whose `expectedVersion` is not the stored version: code `ERR_VERSION_CONFLICT`. */
export class VersionConflictError extends CredstackError {
  /** The version the caller expected (0: expected no record). */
  readonly expectedVersion: number;
  /** The version found (0: no record), when the store knows it. */
  readonly actualVersion: number | undefined;
  constructor(
    key: { readonly provider: string; readonly account: string },
    expectedVersion: number,
    actualVersion?: number,
    options?: CredstackErrorOptions,
  ) {
    const found = actualVersion === undefined ? "" : `, found ${actualVersion}`;
    super(
      "ERR_VERSION_CONFLICT",
      `Version conflict on ${describeKey(key)}: expected ${expectedVersion}${found}.`,
      options,
    );
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/**
 * Sealed data failed authentication: tampered bytes, a record moved to another key, a wrong key, a
 * plaintext record in an encrypted store: code `ERR_INTEGRITY`. Nothing is returned, nothing is changed.
 */
export class IntegrityError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_INTEGRITY", message, options);
  }
}

/** Sealed under a key id the key ring does not hold: code `ERR_INTEGRITY` (a wrong key), with the id. */
export class UnknownKeyIdError extends IntegrityError {
  /** The key id named in the sealed header. */
  readonly keyId: string;
  constructor(keyId: string, options?: CredstackErrorOptions) {
    super(`Sealed under key id ${JSON.stringify(keyId)}, which the key ring does not hold.`, options);
    this.keyId = keyId;
  }
}

/**
 * The backend could not be reached or failed (connection refused, timeout, disk error): code
 * `ERR_STORE_UNAVAILABLE`. The operation did not take effect, or — for a write — the caller must assume
 * it may not have.
 */
export class StoreUnavailableError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_STORE_UNAVAILABLE", message, options);
  }
}

/** A record (or record input) that does not match the v1 schema: code `ERR_INVALID_RECORD`. */
export class InvalidRecordError extends CredstackError {
  /** Where the record was invalid (`path: problem`), without any value. */
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: CredstackErrorOptions) {
    super("ERR_INVALID_RECORD", issues.length > 0 ? `${message} ${issues.join("; ")}.` : message, options);
    this.issues = issues;
  }
}

/**
 * Stored bytes that cannot be read as a record (truncated file, bad JSON, unknown format): code
 * `ERR_CORRUPT_RECORD`. The stored data is left in place, never deleted or skipped.
 */
export class CorruptRecordError extends CredstackError {
  /** Where the bad data is (a file path, a row key), when the store knows it. */
  readonly location: string | undefined;
  constructor(message: string, location?: string, options?: CredstackErrorOptions) {
    super("ERR_CORRUPT_RECORD", location === undefined ? message : `${message} (at ${location})`, options);
    this.location = location;
  }
}

/** A lease (cross-process refresh lock) could not be had in time: code `ERR_LEASE_UNAVAILABLE`. */
export class LeaseUnavailableError extends CredstackError {
  constructor(key: { readonly provider: string; readonly account: string }, options?: CredstackErrorOptions) {
    super("ERR_LEASE_UNAVAILABLE", `The lease on ${describeKey(key)} is held elsewhere.`, options);
  }
}

/**
 * A key, key file or key variable that is missing, malformed or unsafe: code `ERR_INVALID_CONFIG`.
 * @deprecated The same class as `ConfigError` from `@credstack/errors`; use that name.
 */
export const KeyConfigError = ConfigError;
/** @deprecated Use `ConfigError` from `@credstack/errors`. */
export type KeyConfigError = ConfigError;
