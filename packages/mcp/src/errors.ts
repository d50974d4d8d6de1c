import { ConfigError, CredstackError, type CredstackErrorOptions } from "@credstack/errors";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { CredstackError };

/**
 * An option of an `@credstack/mcp` function is missing or unsafe: code `ERR_INVALID_CONFIG`.
 * @deprecated The same class as `ConfigError` from `@credstack/errors`; use that name.
 */
export const McpConfigError = ConfigError;
/** @deprecated Use `ConfigError` from `@credstack/errors`. */
export type McpConfigError = ConfigError;

/**
 * The SDK asked a client provider bound to one authorization server to keep credentials of another:
 * code `ERR_AUTHORIZATION_FAILED`. Nothing was stored. The message names both issuers, never a secret.
 */
export class IssuerMismatchError extends CredstackError {
  /** The issuer the provider is bound to. */
  readonly expected: string;
  /** The issuer the credentials came from. */
  readonly actual: string;
  constructor(expected: string, actual: string, options?: CredstackErrorOptions) {
    super(
      "ERR_AUTHORIZATION_FAILED",
      `Credentials from ${clip(actual)} are not kept by a provider bound to ${clip(expected)}.`,
      options,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

function clip(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/**
 * The SDK asked for the PKCE code verifier of an authorization that has none stored (never started,
 * expired, or invalidated): code `ERR_AUTHORIZATION_FAILED`. Start the authorization again.
 */
export class MissingCodeVerifierError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_AUTHORIZATION_FAILED", message, options);
  }
}
