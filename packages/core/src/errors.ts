import { CredstackError, type CredstackErrorOptions } from "@credstack/errors";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { CredstackError };

/**
 * A bearer token was present but failed verification (bad signature, wrong issuer or audience, expired,
 * algorithm not allowed, not a JWT): code `ERR_INVALID_TOKEN`. The message names the check that failed,
 * never the token.
 */
export class InvalidTokenError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_INVALID_TOKEN", message, options);
  }
}

/**
 * A refresh could not be completed: code `ERR_REFRESH_FAILED`. `transient` is true for failures that
 * leave the credential in place and may pass on a later call (5xx, 429, timeouts, network errors, a lease
 * held elsewhere, a cooldown); false when saving the rotated tokens failed.
 */
export class RefreshFailedError extends CredstackError {
  /** True when the credential is untouched and a later call may succeed. */
  readonly transient: boolean;
  /** The token endpoint's HTTP status, when it answered. */
  readonly status: number | undefined;
  constructor(
    message: string,
    details: { readonly transient: boolean; readonly status?: number },
    options?: CredstackErrorOptions,
  ) {
    super("ERR_REFRESH_FAILED", message, options);
    this.transient = details.transient;
    this.status = details.status;
  }
}

/** Why an authorization callback was refused. */
export type AuthorizationFailure =
  | "unknown_state"
  | "provider_error"
  | "invalid_response"
  | "exchange_failed"
  | "account_mismatch"
  | "account_unknown"
  | "identity_unproven"
  | "email_unverified"
  | "code_replayed";

/**
 * An authorization callback could not be completed: code `ERR_AUTHORIZATION_FAILED`. `reason` says why:
 * `unknown_state` (no such pending transaction: replayed, expired or forged `state`), `provider_error`
 * (the provider answered `error=`), `invalid_response` (e.g. an `iss` mismatch, RFC 9207),
 * `exchange_failed` (the token endpoint refused the code), `account_mismatch` / `account_unknown`,
 * `identity_unproven` (the provider did not prove who signed in), `email_unverified` (the provider says the
 * address is not verified), `code_replayed` (this code is already being redeemed).
 */
export class AuthorizationFailedError extends CredstackError {
  /** Why the callback failed. */
  readonly reason: AuthorizationFailure;
  constructor(reason: AuthorizationFailure, message: string, options?: CredstackErrorOptions) {
    super("ERR_AUTHORIZATION_FAILED", message, options);
    this.reason = reason;
  }
}

/** A resolver, source, refresher or provider option that is missing or unsafe: code `ERR_INVALID_CONFIG`. */
export class CoreConfigError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_INVALID_CONFIG", message, options);
  }
}
