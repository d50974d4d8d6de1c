import type { ScopePolicy } from "./lib/scope-policy.js";
import type { AuthorizationFlow, Clock, Identity, RequestLike, ResolveInput } from "./types.js";

/** What a source sees: the call, what earlier sources established, and the resolver's clock. */
export interface SourceContext {
  /** The call as given. */
  readonly input: ResolveInput;
  /** The provider slug. */
  readonly provider: string;
  /** The incoming request, if any. */
  readonly request: RequestLike | undefined;
  /** The verified caller, once an identity source established it. */
  readonly identity: Identity | undefined;
  /**
   * The account to use: the one the identity selected (its primary, or the allowed `account` argument),
   * or the `account` argument itself when the resolver trusts it. `undefined` when unknown.
   */
  readonly account: string | undefined;
  /** True when the resolver was created with `trustAccountArgument: true`. */
  readonly trustAccountArgument: boolean;
  /** The requested scopes, canonical. */
  readonly scopes: readonly string[];
  /** Scope rules of the provider (coverage, minimal missing set, separate flows). */
  readonly scopePolicy: ScopePolicy;
  /** The scopes the stored credential holds, when a source saw one that did not cover the request. */
  readonly grantedScopes: readonly string[] | undefined;
  /** Why earlier sources did not resolve (not applicable reasons). */
  readonly reasons: readonly string[];
  /** Refresh even if the token looks valid. */
  readonly forceRefresh: boolean;
  /** The resolver's clock. */
  readonly clock: Clock;
}

/** A resolved access token. */
export interface ResolvedToken {
  readonly kind: "token";
  /** The access token (secret). */
  readonly accessToken: string;
  /** When it expires, epoch ms. */
  readonly expiresAt?: number;
  /** Its scopes. */
  readonly scopes: readonly string[];
  /** The account it belongs to. */
  readonly account: string;
}

/** A resolved "the user must authorize" answer (the fallback source's result). */
export interface ResolvedAuthorization {
  readonly kind: "authorization_required";
  /** The flows to complete; at least one. */
  readonly flows: readonly AuthorizationFlow[];
  /** The minimal set of scopes the credential lacks. */
  readonly missingScopes: readonly string[];
}

/** What a source returns. Only `not_applicable` lets the chain go on. */
export type SourceOutcome =
  | {
      readonly type: "resolved";
      readonly value: ResolvedToken | ResolvedAuthorization;
      /** A secret-free note for the trace. */
      readonly reason?: string;
      /** The caller this source verified while resolving, if any (a bearer JWT that is the token). */
      readonly identity?: Identity;
    }
  | {
      readonly type: "not_applicable";
      /** Why, secret-free: it goes into the trace and the `reasons`. */
      readonly reason: string;
      /** The caller this source verified, if any. */
      readonly identity?: Identity;
      /** The scopes a credential this source saw holds (for incremental authorization). */
      readonly grantedScopes?: readonly string[];
    };

/**
 * One link of the chain. `resolve` returns {@link resolved} or {@link notApplicable}, or throws:
 * `InvalidTokenError` ends the call with `unauthorized`; any other error rejects the call unchanged.
 */
export interface Source {
  /** Shown in the trace. */
  readonly name: string;
  /** Looks for a token (or an identity) for this call. */
  resolve(context: SourceContext): Promise<SourceOutcome>;
  /** Stops timers and waits for background work; called by `Resolver.close()`. */
  close?(): Promise<void>;
}

/**
 * A source's "here it is" (a token, or the fallback's authorization request); `identity` when the source
 * verified the caller on the way (a bearer JWT that is itself the provider token).
 */
export function resolved(
  value: ResolvedToken | ResolvedAuthorization,
  reason?: string,
  identity?: Identity,
): SourceOutcome {
  if (identity === undefined) {
    return reason === undefined ? { type: "resolved", value } : { type: "resolved", value, reason };
  }
  return reason === undefined
    ? { type: "resolved", value, identity }
    : { type: "resolved", value, reason, identity };
}

/** Extras of {@link notApplicable}. */
export interface NotApplicableExtras {
  /** The caller this source verified. */
  readonly identity?: Identity;
  /** The scopes the credential this source saw holds. */
  readonly grantedScopes?: readonly string[];
}

/** A source's "not here": the chain goes on. `reason` must not contain a secret. */
export function notApplicable(reason: string, extras: NotApplicableExtras = {}): SourceOutcome {
  return { type: "not_applicable", reason, ...extras };
}

/** Sources that never apply, by the reason they give (see {@link inertSource}). */
const inertReasons = new WeakMap<Source, string>();

/**
 * A source that is always not applicable for `reason` (a chain link left unconfigured). The resolver may
 * record its outcome without calling it when no one traces the call; traced, it is called like any other.
 * @internal
 */
export function inertSource(name: string, reason: string): Source {
  const source: Source = { name, resolve: async () => notApplicable(reason) };
  inertReasons.set(source, reason);
  return source;
}

/** The reason of a source made by {@link inertSource}; `undefined` for any other source. @internal */
export function inertReasonOf(source: Source): string | undefined {
  return inertReasons.get(source);
}
