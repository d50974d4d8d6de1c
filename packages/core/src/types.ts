import type { CredentialRecord } from "@credstack/storage";

/** A clock: epoch milliseconds. Inject one in tests to drive expiry without sleeping. */
export type Clock = () => number;

/** Request headers as Node (`IncomingHttpHeaders`), a plain object, or a WHATWG `Headers`. */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The incoming request, as far as the chain needs it. */
export interface RequestLike {
  /** Headers; `authorization` (bearer JWT) and `cookie` (session id) are read. */
  readonly headers?: HeadersLike;
  /** A session id the caller already extracted (wins over the cookie). */
  readonly sessionId?: string;
}

/** A verified caller: who is asking, established by an identity source (`bearerJwt`, `sessions`). */
export interface Identity {
  /** Stable id of the caller (`iss#sub` for a JWT, the session's subject for a session). */
  readonly id: string;
  /** The caller's own account (its primary account unless {@link AccountLinks} say otherwise). */
  readonly account: string;
  /** The source that verified it. */
  readonly via: string;
  /** The verified claims, when the identity comes from a token (`bearerJwt`: the JWT payload). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** What {@link Resolver.resolve} is asked. */
export interface ResolveInput {
  /** The incoming request (bearer token, session cookie). */
  readonly request?: RequestLike;
  /** Provider slug (`google`, or a key of the configured providers). */
  readonly provider: string;
  /**
   * The account to use. Only selects among the accounts the verified identity may use; without an
   * identity it is ignored unless the resolver was created with `trustAccountArgument: true`.
   */
  readonly account?: string;
  /** Scope names, in any form `@credstack/scopes` accepts for the provider. */
  readonly scopes: readonly string[];
  /** Refresh even if the token looks valid (after a downstream 401). Single-flight; at most once per call. */
  readonly forceRefresh?: boolean;
}

/** What one source did in one call. Never holds a secret. */
export interface TraceEntry {
  /** The source's name. */
  readonly source: string;
  /** `skipped` (not reached), `not_applicable`, `resolved` or `failed`. */
  readonly outcome: "skipped" | "not_applicable" | "resolved" | "failed";
  /** Why (for `not_applicable`), or what happened. */
  readonly reason?: string;
  /** The error code (for `failed`). */
  readonly code?: string;
  /** True when the source verified the caller's identity. */
  readonly identified?: boolean;
}

/** A usable access token. */
export interface TokenResult {
  readonly kind: "token";
  /** The access token (secret). */
  readonly accessToken: string;
  /** When it expires (epoch ms), when known. */
  readonly expiresAt?: number;
  /** The scopes the token carries (canonical where the registry knows them). */
  readonly scopes: readonly string[];
  /** The account the token belongs to (as stored). */
  readonly account: string;
  /** The source that resolved it. */
  readonly source: string;
  /** The caller, when a source verified it. */
  readonly identity?: Identity;
  /** What each source did. */
  readonly trace: readonly TraceEntry[];
}

/** One authorization request the user must complete (Google Photos needs its own). */
export interface AuthorizationFlow {
  /** `main`, or the separate flow's name (`photos`). */
  readonly flow: string;
  /** The authorization URL to open. */
  readonly url: string;
  /** The pending transaction (equal to the URL's `state`). */
  readonly transactionId: string;
  /** The scopes this URL requests. */
  readonly scopes: readonly string[];
}

/** The user must authorize (again, or more scopes). */
export interface AuthorizationRequiredResult {
  readonly kind: "authorization_required";
  /** The first (usually the only) authorization URL. */
  readonly url: string;
  /** The first flow's transaction id. */
  readonly transactionId: string;
  /** The minimal set of requested scopes the credential lacks (all of them when there is none). */
  readonly missingScopes: readonly string[];
  /** Why, in order: the reasons sources gave. */
  readonly reasons: readonly string[];
  /** Every flow to complete, the first one being `url`; more than one for separate-flow scopes. */
  readonly flows: readonly AuthorizationFlow[];
  /** The caller, when a source verified it. */
  readonly identity?: Identity;
  /** What each source did. */
  readonly trace: readonly TraceEntry[];
}

/**
 * The call cannot be served for this caller. `invalid_token`: a bearer token was present but invalid.
 * `account_not_allowed`: the account argument is not one the identity may use. `identity_required`: no
 * source verified the caller and the account argument is not trusted. `no_credential`: a custom chain
 * ended without a result.
 */
export interface UnauthorizedResult {
  readonly kind: "unauthorized";
  readonly error: "invalid_token" | "account_not_allowed" | "identity_required" | "no_credential";
  /** Human-readable, secret-free. */
  readonly description: string;
  /** The caller, when a source verified it. */
  readonly identity?: Identity;
  /** What each source did. */
  readonly trace: readonly TraceEntry[];
}

/** The result of {@link Resolver.resolve}. */
export type ResolveResult = TokenResult | AuthorizationRequiredResult | UnauthorizedResult;

/** A stored credential with the bits sources hand around. */
export type StoredCredential = CredentialRecord;
