import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestLike, ResolveInput, ResolveResult, Resolver, TokenResult } from "@credstack/core";
import { AuthorizationRequiredError, CallerUnauthorizedError } from "../errors.js";

/** Who a client acts for and what it needs. @internal */
export interface CallerBinding {
  readonly resolver: Resolver;
  readonly provider: string;
  readonly scopes: readonly string[];
  /** Selects among the verified identity's accounts. */
  readonly account?: string | undefined;
  /** The caller's current request (its bearer token or session identifies the caller). */
  readonly request: () => RequestLike | undefined;
  /** For a client bound to one caller: every result must be this identity and account. */
  readonly expect?: { readonly identityId: string | undefined; readonly account: string };
  /** At most one forced refresh per credential in this window. */
  readonly throttleMs: number;
  /** Called when the credential is gone (authorization required, or the caller is refused). */
  readonly onLost?: () => void;
}

/** Tokens of one caller from the resolver. @internal */
export interface CallerTokens {
  /** A token from `resolve()`. @throws AuthorizationRequiredError, CallerUnauthorizedError */
  token(): Promise<TokenResult>;
  /**
   * After the provider answered 401 to `rejected`: a forced refresh shared by every concurrent caller of
   * the credential and throttled (at most one per `throttleMs`); inside the window a plain `resolve()`.
   */
  afterUnauthorized(rejected: TokenResult): Promise<TokenResult>;
}

/** A token `resolve()` just returned for a tool call, handed to that call's first API request. @internal */
interface Primed {
  readonly tokens: CallerTokens;
  readonly token: TokenResult;
  used: boolean;
}

const primed = new AsyncLocalStorage<Primed>();

/**
 * Runs `fn` (a tool handler) so that the first request of `tokens` inside it uses `token`, which
 * `resolve()` returned for this very call, instead of resolving a second time. Later requests resolve.
 * @internal
 */
export function withPrimedToken<T>(tokens: CallerTokens, token: TokenResult, fn: () => T): T {
  return primed.run({ tokens, token, used: false }, fn);
}

interface Gate {
  flight?: Promise<ResolveResult> | undefined;
  forcedAt: number;
}

const gates = new WeakMap<Resolver, Map<string, Gate>>();
const maxGates = 10_000;

function gateOf(resolver: Resolver, key: string, throttleMs: number): Gate {
  let byKey = gates.get(resolver);
  if (byKey === undefined) {
    byKey = new Map();
    gates.set(resolver, byKey);
  }
  let gate = byKey.get(key);
  if (gate === undefined) {
    if (byKey.size >= maxGates) {
      const now = Date.now();
      for (const [stale, value] of byKey) {
        if (value.flight === undefined && now - value.forcedAt >= throttleMs) byKey.delete(stale);
      }
    }
    gate = { forcedAt: Number.NEGATIVE_INFINITY };
    byKey.set(key, gate);
  }
  return gate;
}

/** The resolver's non-token outcomes as typed errors. @internal */
export function tokenOrThrow(provider: string, result: ResolveResult): TokenResult {
  if (result.kind === "token") return result;
  if (result.kind === "authorization_required") {
    throw new AuthorizationRequiredError(provider, {
      url: result.url,
      transactionId: result.transactionId,
      missingScopes: result.missingScopes,
      flows: result.flows,
    });
  }
  throw new CallerUnauthorizedError(result.error, result.description);
}

/** Builds the token source of one caller. @internal */
export function callerTokens(binding: CallerBinding): CallerTokens {
  const { resolver, provider, scopes, expect } = binding;
  const inputOf = (forceRefresh: boolean): ResolveInput => {
    const request = binding.request();
    return {
      provider,
      scopes,
      ...(request === undefined ? {} : { request }),
      ...(binding.account === undefined ? {} : { account: binding.account }),
      ...(forceRefresh ? { forceRefresh: true } : {}),
    };
  };
  const check = (result: ResolveResult): TokenResult => {
    if (result.kind !== "token") binding.onLost?.();
    const token = tokenOrThrow(provider, result);
    if (
      expect !== undefined &&
      (token.identity?.id !== expect.identityId || token.account !== expect.account)
    ) {
      binding.onLost?.();
      throw new CallerUnauthorizedError(
        "caller_changed",
        "The resolver answered for another caller than the one this client is bound to.",
      );
    }
    return token;
  };
  const self: CallerTokens = {
    async token() {
      const ready = primed.getStore();
      if (ready !== undefined && ready.tokens === self && !ready.used) {
        ready.used = true;
        return ready.token;
      }
      return check(await resolver.resolve(inputOf(false)));
    },
    async afterUnauthorized(rejected) {
      const gate = gateOf(resolver, `${provider}\u0000${rejected.account}`, binding.throttleMs);
      if (gate.flight !== undefined) {
        // Another call is refreshing this credential: wait for it, then take the new token as this caller.
        await gate.flight.catch(() => undefined);
        return check(await resolver.resolve(inputOf(false)));
      }
      if (Date.now() - gate.forcedAt < binding.throttleMs) {
        // Refreshed moments ago: the current token is the one to retry with (or the user must authorize).
        return check(await resolver.resolve(inputOf(false)));
      }
      gate.forcedAt = Date.now();
      const flight = resolver.resolve(inputOf(true));
      gate.flight = flight;
      try {
        return check(await flight);
      } finally {
        if (gate.flight === flight) gate.flight = undefined;
      }
    },
  };
  return self;
}
