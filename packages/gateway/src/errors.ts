import { CredstackError, type CredstackErrorOptions } from "@credstack/errors";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { CredstackError };

/**
 * The gateway's configuration (options, config file, environment) is missing something or unsafe:
 * code `ERR_INVALID_CONFIG`. The message names the field or variable, never a secret value.
 */
export class GatewayConfigError extends CredstackError {
  constructor(message: string, options?: CredstackErrorOptions) {
    super("ERR_INVALID_CONFIG", message, options);
  }
}

/**
 * The user must authorize before the gateway can hand out a token (client library): code
 * `ERR_AUTHORIZATION_FAILED`. `url` is the authorization URL to show the user; poll `sessionId` with
 * `client.status()` or `client.waitForAuthorization()`.
 */
export class AuthorizationRequiredError extends CredstackError {
  /** The authorization URL the user opens. */
  readonly url: string;
  /** The gateway's authorization session (for `GET /auth/status/:sessionId`). */
  readonly sessionId: string;
  /** The minimal set of requested scopes the stored credential lacks. */
  readonly missingScopes: readonly string[];
  /** When the authorization URL stops working (epoch ms). */
  readonly expiresAt: number;
  /** Every flow to complete (the first at `url`), when the gateway listed them. */
  readonly flows?: readonly {
    readonly flow: string;
    readonly url: string;
    readonly scopes: readonly string[];
  }[];
  constructor(
    details: {
      url: string;
      sessionId: string;
      missingScopes: readonly string[];
      expiresAt: number;
      flows?: readonly { readonly flow: string; readonly url: string; readonly scopes: readonly string[] }[];
    },
    options?: CredstackErrorOptions,
  ) {
    super("ERR_AUTHORIZATION_FAILED", "The user must authorize first: open the authorization URL.", options);
    this.url = details.url;
    this.sessionId = details.sessionId;
    this.missingScopes = details.missingScopes;
    this.expiresAt = details.expiresAt;
    if (details.flows !== undefined) this.flows = details.flows;
  }
}

/**
 * The gateway refused a request or could not be reached (client library). `status` is the HTTP status
 * (0 when unreachable) and `error` the gateway's error code (`invalid_api_key`, `rate_limited`,
 * `refresh_failed`, `store_unavailable`, ...). Code: `ERR_INVALID_CONFIG` for 401 (wrong API key),
 * `ERR_REFRESH_FAILED` for `refresh_failed`, `ERR_STORE_UNAVAILABLE` for 0, 429 and 5xx,
 * `ERR_INVALID_ARGUMENT` otherwise.
 */
export class GatewayRequestError extends CredstackError {
  /** HTTP status; 0 when the gateway could not be reached or timed out. */
  readonly status: number;
  /** The gateway's error code. */
  readonly error: string;
  constructor(status: number, error: string, message: string, options?: CredstackErrorOptions) {
    super(
      status === 401
        ? "ERR_INVALID_CONFIG"
        : error === "refresh_failed"
          ? "ERR_REFRESH_FAILED"
          : status === 0 || status === 429 || status >= 500
            ? "ERR_STORE_UNAVAILABLE"
            : "ERR_INVALID_ARGUMENT",
      message,
      options,
    );
    this.status = status;
    this.error = error;
  }
}
