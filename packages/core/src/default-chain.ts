import type { Authorizer } from "./authorizer.js";
import type { Refresher } from "./refresher.js";
import type { SessionStore } from "./session-store.js";
import { inertSource, type Source } from "./source.js";
import { authorize } from "./sources/authorize.js";
import { type BearerJwtOptions, bearerJwt } from "./sources/bearer-jwt.js";
import { type ProviderTokenLookup, providerTokens } from "./sources/provider-tokens.js";
import { type SessionsOptions, sessions } from "./sources/sessions.js";
import { storedCredentials } from "./sources/stored-credentials.js";

/** Options of {@link defaultChain}. A source whose option is absent stays in place, always not applicable. */
export interface DefaultChainOptions {
  /** Verify request bearer JWTs. */
  readonly bearer?: BearerJwtOptions;
  /** In-memory tokens of an identity provider integration. */
  readonly providerTokens?: ProviderTokenLookup;
  /** Session store (session id → caller). */
  readonly sessions?: SessionStore;
  /** Options of the sessions source. */
  readonly sessionOptions?: SessionsOptions;
  /** The refresher over your store (stored credentials). */
  readonly refresher?: Refresher;
  /** The authorization fallback. */
  readonly authorizer?: Authorizer;
}

function unconfigured(name: string): Source {
  return inertSource(name, "not configured");
}

/**
 * The default chain, in its one declared order: bearer JWT → provider tokens → sessions → stored
 * credentials → authorization fallback.
 *
 * @example
 * ```ts
 * declare const bearer: BearerJwtOptions, refresher: Refresher, authorizer: Authorizer;
 * createResolver({ chain: defaultChain({ bearer, sessions: memorySessionStore(), refresher, authorizer }) });
 * ```
 */
export function defaultChain(config: DefaultChainOptions): Source[] {
  return [
    config.bearer ? bearerJwt(config.bearer) : unconfigured("bearerJwt"),
    config.providerTokens ? providerTokens(config.providerTokens) : unconfigured("providerTokens"),
    config.sessions ? sessions(config.sessions, config.sessionOptions) : unconfigured("sessions"),
    config.refresher ? storedCredentials(config.refresher) : unconfigured("storedCredentials"),
    config.authorizer ? authorize(config.authorizer) : unconfigured("authorize"),
  ];
}
