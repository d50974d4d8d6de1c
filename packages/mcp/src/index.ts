/**
 * `@credstack/mcp`: credstack for MCP servers and clients — an `OAuthClientProvider` and an
 * `OAuthRegisteredClientsStore` backed by any credstack store, a bearer-token verifier built on the
 * resolver, and a tool helper that hands tools the calling identity's provider token.
 *
 * @packageDocumentation
 */
export {
  clientSlots,
  type StoreOAuthClientProvider,
  type StoreOAuthClientProviderOptions,
  storeOAuthClientProvider,
} from "./client-provider.js";
export { IssuerMismatchError, McpConfigError, MissingCodeVerifierError } from "./errors.js";
export type {
  ClientCredentials,
  ClientSecretCredentials,
  PrivateKeyJwtCredentials,
} from "./lib/client-credentials.js";
export {
  type AuthorizationRequiredContent,
  authorizationRequiredResult,
  type ProviderToken,
  type ProviderTokenCall,
  type ProviderTokenToolCallback,
  type ToolExtra,
  toolCallerRequest,
  type UnauthorizedContent,
  type WithProviderTokenOptions,
  withProviderToken,
} from "./provider-token-tool.js";
export {
  registeredClientSlot,
  type StoreRegisteredClients,
  type StoreRegisteredClientsOptions,
  storeRegisteredClients,
} from "./registered-clients.js";
export { type ResolverTokenVerifierOptions, resolverTokenVerifier } from "./token-verifier.js";
