import {
  ConfigError,
  CredstackError,
  type CredstackErrorCode,
  type CredstackErrorOptions,
} from "@credstack/errors";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { ConfigError, CredstackError };

/**
 * The gateway's configuration (options, config file, environment) is missing something or unsafe:
 * code `ERR_INVALID_CONFIG`.
 * @deprecated The same class as `ConfigError` from `@credstack/errors`; use that name.
 */
export const GatewayConfigError = ConfigError;
/** @deprecated Use `ConfigError` from `@credstack/errors`. */
export type GatewayConfigError = ConfigError;

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
 * `refresh_failed`, `store_unavailable`, ...). Code: `ERR_UNAUTHORIZED` for 401
 * and 403 (wrong API key or user token; outside the key's grant), `ERR_RATE_LIMITED` for 429,
 * `ERR_REFRESH_FAILED` for `refresh_failed`, `ERR_STORE_UNAVAILABLE` for 0 (unreachable) and 5xx,
 * `ERR_INVALID_ARGUMENT` for other 4xx.
 */
export class GatewayRequestError extends CredstackError {
  /** HTTP status; 0 when the gateway could not be reached or timed out. */
  readonly status: number;
  /** The gateway's error code. */
  readonly error: string;
  constructor(status: number, error: string, message: string, options?: CredstackErrorOptions) {
    super(codeOfAnswer(status, error), message, options);
    this.status = status;
    this.error = error;
  }
}

/**
 * The credstack code of a gateway answer: the one place an HTTP status (0: unreachable) and the
 * gateway's `error` become a {@link CredstackErrorCode}.
 */
function codeOfAnswer(status: number, error: string): CredstackErrorCode {
  if (error === "refresh_failed") return "ERR_REFRESH_FAILED";
  if (status === 401 || status === 403) return "ERR_UNAUTHORIZED";
  if (status === 429) return "ERR_RATE_LIMITED";
  if (status === 0 || status >= 500) return "ERR_STORE_UNAVAILABLE";
  return "ERR_INVALID_ARGUMENT";
}
