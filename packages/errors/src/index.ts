/**
 * The one base error class of credstack.
 *
 * Every package throws subclasses of {@link CredstackError}; callers branch on the stable
 * {@link CredstackErrorCode} in `error.code`, never on the message. Messages never contain secret values.
 *
 * @packageDocumentation
 */

/**
 * The closed set of error codes used across credstack. A code, once published, keeps its meaning.
 */
export type CredstackErrorCode =
  | "ERR_INVALID_ARGUMENT"
  | "ERR_UNKNOWN_SCOPE"
  | "ERR_INVALID_RECORD"
  | "ERR_VERSION_CONFLICT"
  | "ERR_INTEGRITY"
  | "ERR_STORE_UNAVAILABLE"
  | "ERR_CIPHER_UNAVAILABLE"
  | "ERR_KEY_NOT_FOUND"
  | "ERR_KEY_ACCESS_DENIED"
  | "ERR_CORRUPT_RECORD"
  | "ERR_LEASE_UNAVAILABLE"
  | "ERR_INVALID_CONFIG"
  | "ERR_INVALID_TOKEN"
  | "ERR_REFRESH_FAILED"
  | "ERR_AUTHORIZATION_FAILED"
  | "ERR_READ_ONLY"
  | "ERR_UNAUTHORIZED"
  | "ERR_RATE_LIMITED"
  | "ERR_ABORTED";

/** All codes of {@link CredstackErrorCode}, for exhaustive checks and documentation. */
export const credstackErrorCodes: readonly CredstackErrorCode[] = [
  "ERR_INVALID_ARGUMENT",
  "ERR_UNKNOWN_SCOPE",
  "ERR_INVALID_RECORD",
  "ERR_VERSION_CONFLICT",
  "ERR_INTEGRITY",
  "ERR_STORE_UNAVAILABLE",
  "ERR_CIPHER_UNAVAILABLE",
  "ERR_KEY_NOT_FOUND",
  "ERR_KEY_ACCESS_DENIED",
  "ERR_CORRUPT_RECORD",
  "ERR_LEASE_UNAVAILABLE",
  "ERR_INVALID_CONFIG",
  "ERR_INVALID_TOKEN",
  "ERR_REFRESH_FAILED",
  "ERR_AUTHORIZATION_FAILED",
  "ERR_READ_ONLY",
  "ERR_UNAUTHORIZED",
  "ERR_RATE_LIMITED",
  "ERR_ABORTED",
];

const brand: unique symbol = Symbol.for("credstack.error");

/** Options accepted by every {@link CredstackError} constructor. */
export interface CredstackErrorOptions {
  /** The underlying error, chained as ES2022 `cause`. Its message must not carry secrets either. */
  cause?: unknown;
}

/**
 * Base class of every error credstack throws.
 *
 * @example
 * ```ts
 * import { resolveScopes } from "@credstack/scopes";
 * try { resolveScopes(["calendar_ful"]); }
 * catch (e) { if (isCredstackError(e) && e.code === "ERR_UNKNOWN_SCOPE") console.error(e.message); }
 * ```
 */
export class CredstackError extends Error {
  /** Stable, machine-readable code. */
  readonly code: CredstackErrorCode;
  /** @internal brand so that {@link isCredstackError} works across duplicated package copies. */
  readonly [brand] = true;

  constructor(code: CredstackErrorCode, message: string, options?: CredstackErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * True when `value` is a {@link CredstackError}, also when it comes from another copy of this package.
 */
export function isCredstackError(value: unknown): value is CredstackError {
  return typeof value === "object" && value !== null && (value as { [brand]?: unknown })[brand] === true;
}

/** A caller passed an argument that is not valid for the call (code `ERR_INVALID_ARGUMENT`). */
export class InvalidArgumentError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_INVALID_ARGUMENT", message, options);
  }
}

/**
 * True when `value` is a {@link CredstackError} (from any copy of this package) whose code is one of
 * `codes`, typed as such: the one way to branch on a code. A plain object that merely has a `code` does
 * not match.
 *
 * @example
 * ```ts
 * import { hasCode } from "@credstack/errors";
 * import type { CredentialRecord, CredentialStore } from "@credstack/storage";
 * declare const store: CredentialStore; // yours
 * declare const record: CredentialRecord; // as read, to be written back
 *
 * try {
 *   await store.put(record, { expectedVersion: record.version });
 * } catch (error) {
 *   if (!hasCode(error, "ERR_VERSION_CONFLICT")) throw error;
 *   // changed meanwhile: read again and retry
 * }
 * ```
 */
export function hasCode<Code extends CredstackErrorCode>(
  value: unknown,
  ...codes: readonly Code[]
): value is CredstackError & { readonly code: Code } {
  return isCredstackError(value) && (codes as readonly CredstackErrorCode[]).includes(value.code);
}

/**
 * Configuration (options, environment, config file, store URI) is missing something or unsafe: code
 * `ERR_INVALID_CONFIG`. The message names the field or variable, never a secret value. The one
 * configuration error class; the packages' older names (`GatewayConfigError`, ...) are aliases of it.
 */
export class ConfigError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_INVALID_CONFIG", message, options);
  }
}

/**
 * The caller aborted the call through its `AbortSignal` (code `ERR_ABORTED`, name `AbortError` like the
 * platform's own abort errors). Work shared with other callers (a single-flight refresh) goes on; only
 * this caller stops waiting. `cause` is the signal's `reason`.
 */
export class AbortedError extends CredstackError {
  constructor(message = "The operation was aborted.", options?: CredstackErrorOptions) {
    super("ERR_ABORTED", message, options);
    this.name = "AbortError";
  }
}
