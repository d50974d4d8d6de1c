/**
 * `@credstack/core`: the resolver — one declared priority chain (bearer JWT, provider tokens, sessions,
 * stored credentials, authorization), refresh that is single-flight in-process and leased across
 * processes.
 *
 * @packageDocumentation
 */

export { type AccountLinks, type LinkedAccounts, memoryAccountLinks } from "./account-links.js";
export {
  type AuthorizationRequiredContent,
  type AuthorizationRequiredDetails,
  type AuthorizationRequiredFlow,
  type AuthorizationRequiredToolResult,
  authorizationRequiredToolResult,
} from "./authorization-required.js";
export {
  type AuthorizationRequest,
  type Authorizer,
  type AuthorizerOptions,
  type BeginAuthorization,
  createAuthorizer,
} from "./authorizer.js";
export { type DefaultChainOptions, defaultChain } from "./default-chain.js";
export {
  AuthorizationFailedError,
  type AuthorizationFailure,
  CoreConfigError,
  InvalidTokenError,
  RefreshFailedError,
} from "./errors.js";
export type { ScopePolicy } from "./lib/scope-policy.js";
export type { RefreshSpoolOptions } from "./lib/spool.js";
export type { IdentityProof, ProviderConfig, ProviderConfigs } from "./provider-config.js";
export {
  createRefresher,
  type RefreshEvent,
  type Refresher,
  type RefresherOptions,
  type UsableCredential,
} from "./refresher.js";
export {
  createResolver,
  type ResolveOptions,
  type Resolver,
  type ResolverOptions,
} from "./resolver.js";
export {
  type MemorySessionStore,
  type MemorySessionStoreOptions,
  memorySessionStore,
  type Session,
  type SessionStore,
} from "./session-store.js";
export {
  type NotApplicableExtras,
  notApplicable,
  type ResolvedAuthorization,
  type ResolvedToken,
  resolved,
  type Source,
  type SourceContext,
  type SourceOutcome,
} from "./source.js";
export { authorize } from "./sources/authorize.js";
export {
  type BearerJwtOptions,
  type BearerJwtVerifier,
  bearerJwt,
  createBearerJwtVerifier,
} from "./sources/bearer-jwt.js";
export {
  type MemoryProviderTokens,
  memoryProviderTokens,
  type ProviderToken,
  type ProviderTokenLookup,
  providerTokens,
} from "./sources/provider-tokens.js";
export { type SessionsOptions, sessions } from "./sources/sessions.js";
export { storedCredentials } from "./sources/stored-credentials.js";
export { instrumentStore, type TelemetryOptions } from "./telemetry.js";
export {
  type AuthorizationTransaction,
  type MemoryTransactionStoreOptions,
  memoryTransactionStore,
  type TransactionStore,
} from "./transaction-store.js";
export type {
  AuthorizationFlow,
  AuthorizationRequiredResult,
  Clock,
  HeadersLike,
  Identity,
  RequestLike,
  ResolveInput,
  ResolveResult,
  TokenResult,
  TraceEntry,
  UnauthorizedResult,
} from "./types.js";
