import { ConfigError, CredstackError, type CredstackErrorOptions } from "@credstack/errors";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { CredstackError };

/**
 * An option of an `@credstack/google` function is missing or unsafe: code `ERR_INVALID_CONFIG`.
 * @deprecated The same class as `ConfigError` from `@credstack/errors`; use that name.
 */
export const GoogleConfigError = ConfigError;
/** @deprecated Use `ConfigError` from `@credstack/errors`. */
export type GoogleConfigError = ConfigError;

/** One authorization the user must complete (the resolver's `AuthorizationFlow`). */
export interface AuthorizationRequiredFlow {
  /** `main`, or a separate flow's name (`photos`). */
  readonly flow: string;
  /** The authorization URL (PKCE) to open. */
  readonly url: string;
  /** The pending transaction (the URL's `state`). */
  readonly transactionId: string;
  /** The scopes this URL requests. */
  readonly scopes: readonly string[];
}

/**
 * The caller must authorize (first time, or more scopes) before the API can be called: code
 * `ERR_AUTHORIZATION_FAILED`. Thrown before any API request is made. `url` is the first authorization
 * URL, `missingScopes` the minimal set of scopes the credential lacks (an incremental request asks for
 * exactly these), `flows` every authorization to complete. The message names the provider and the
 * missing scopes, never a token.
 */
export class AuthorizationRequiredError extends CredstackError {
  /** The provider to authorize. */
  readonly provider: string;
  /** The first authorization URL. */
  readonly url: string;
  /** The first flow's transaction id. */
  readonly transactionId: string;
  /** The minimal set of requested scopes the credential lacks. */
  readonly missingScopes: readonly string[];
  /** Every flow to complete, the first being `url`. */
  readonly flows: readonly AuthorizationRequiredFlow[];
  constructor(
    provider: string,
    details: {
      readonly url: string;
      readonly transactionId: string;
      readonly missingScopes: readonly string[];
      readonly flows: readonly AuthorizationRequiredFlow[];
    },
    options?: CredstackErrorOptions,
  ) {
    super(
      "ERR_AUTHORIZATION_FAILED",
      `Authorization required for ${JSON.stringify(provider)}${
        details.missingScopes.length > 0 ? ` (missing scopes: ${details.missingScopes.join(", ")})` : ""
      }: open the authorization URL, then try again.`,
      options,
    );
    this.provider = provider;
    this.url = details.url;
    this.transactionId = details.transactionId;
    this.missingScopes = [...details.missingScopes];
    this.flows = details.flows.map((flow) => ({ ...flow, scopes: [...flow.scopes] }));
  }
}

/**
 * The resolver could not serve this caller: code `ERR_INVALID_TOKEN`. `reason` is the resolver's
 * (`invalid_token`, `account_not_allowed`, `identity_required`, `no_credential`), or `caller_changed`
 * when a client bound to one caller was asked to act for another.
 */
export class CallerUnauthorizedError extends CredstackError {
  /** Why. */
  readonly reason: string;
  constructor(reason: string, message: string, options?: CredstackErrorOptions) {
    super("ERR_INVALID_TOKEN", message, options);
    this.reason = reason;
  }
}
