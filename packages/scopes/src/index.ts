/**
 * `@credstack/scopes`: the typed registry of OAuth provider scopes.
 *
 * @packageDocumentation
 */
export {
  covers,
  defaultScopeRegistry,
  explainScope,
  listScopes,
  minimize,
  missingScopes,
  type ProviderOption,
  type ResolveScopesOptions,
  resolveScopes,
  scope,
  validateCombination,
} from "./api.js";
export type { CatalogSource, ImplicationRule, ScopeCatalogEntry } from "./data/types.js";
export { UnknownScopeError } from "./errors.js";
export { type GoogleGroupName, googleGroups } from "./google/groups.js";
export { googleImplications, googleRetiredScopes } from "./google/implications.js";
export { googleLegacyAliases, googleLegacyNames, googleLegacyScopeGroupKeys } from "./google/legacy.js";
export {
  type GoogleScopeName,
  type GoogleScopeUrl,
  type GoogleService,
  googleNamedScopes,
} from "./google/named.js";
export { closestNames } from "./lib/closest.js";
export type { ResolutionKind } from "./lib/resolution-table.js";
export { providers } from "./providers/index.js";
export type { ProviderDefinition, ProviderId } from "./providers/types.js";
export {
  type CombinationReport,
  createScopeRegistry,
  type DeprecatedNameUsage,
  type ResolveOptions,
  type ScopeExplanation,
  type ScopeInfo,
  type ScopeInterpretation,
  type ScopeRegistry,
  type ScopeRegistryOptions,
  type SeparateFlow,
} from "./registry.js";
