import type { RequestLike, Resolver } from "@credstack/core";
import { GoogleConfigError } from "../errors.js";
import { type CallerTokens, callerTokens } from "./caller.js";

/** What every adapter for one caller is given. */
export interface CallerOptions {
  /** The credstack resolver (`createResolver` of `@credstack/core`). */
  readonly resolver: Resolver;
  /** The caller's request: its verified bearer token or session names the caller. Never a user argument. */
  readonly request?: RequestLike;
  /** The scopes the calls need, in any form the provider's scope registry accepts. */
  readonly scopes: readonly string[];
  /** Selects one of the caller's linked accounts. @default the identity's primary account */
  readonly account?: string;
  /** At most one forced refresh per credential in this window, after a 401. @default 10000 */
  readonly refreshThrottleMs?: number;
}

/** Checks the options and builds the caller's token source. @internal */
export function tokensOf(name: string, provider: string, options: CallerOptions): CallerTokens {
  if (typeof options?.resolver?.resolve !== "function") {
    throw new GoogleConfigError(`${name}: resolver must be a credstack Resolver.`);
  }
  if (typeof provider !== "string" || provider.length === 0) {
    throw new GoogleConfigError(`${name}: provider is required.`);
  }
  if (!Array.isArray(options.scopes)) throw new GoogleConfigError(`${name}: scopes must be an array.`);
  const request = options.request;
  return callerTokens({
    resolver: options.resolver,
    provider,
    scopes: [...options.scopes],
    account: options.account,
    request: () => request,
    throttleMs: options.refreshThrottleMs ?? 10_000,
  });
}
