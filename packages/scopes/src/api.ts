import {
  type GoogleScopeName,
  type GoogleScopeUrl,
  type GoogleService,
  googleNamedScopes,
} from "./google/named.js";
import type { ProviderId } from "./providers/types.js";
import {
  type CombinationReport,
  createScopeRegistry,
  type DeprecatedNameUsage,
  type ScopeExplanation,
  type ScopeInfo,
  type ScopeRegistry,
} from "./registry.js";

/** Selects the provider for the module-level functions. */
export interface ProviderOption {
  /**
   * The provider.
   * @default "google"
   */
  provider?: ProviderId;
}

/** Options of {@link resolveScopes}. */
export interface ResolveScopesOptions extends ProviderOption {
  /** Called for every legacy name used, with the name to use instead. */
  onDeprecated?: (usage: DeprecatedNameUsage) => void;
}

const defaults = new Map<ProviderId, ScopeRegistry>();

/**
 * The shared registry of a provider, with built-in groups only (created on first use).
 * Use {@link createScopeRegistry} for caller-defined groups.
 */
export function defaultScopeRegistry(provider: ProviderId = "google"): ScopeRegistry {
  let registry = defaults.get(provider);
  if (registry === undefined) {
    registry = createScopeRegistry({ provider });
    defaults.set(provider, registry);
  }
  return registry;
}

/**
 * Resolves scope names to canonical scopes, unique and sorted.
 *
 * Accepted forms, in priority order: a canonical scope (full URL, or `openid`), its short form
 * (`drive.file`), a named scope (`drive.readonly`, `calendar.full`), a group (`gmail_basic`,
 * `oauth_comprehensive`), a legacy name (`drive_read`, `calendar_full` — exact table, never fuzzy).
 *
 * @example
 * ```ts
 * resolveScopes(["gmail_basic", "drive.readonly"]);
 * ```
 * @throws UnknownScopeError (code `ERR_UNKNOWN_SCOPE`) listing the closest known names.
 */
export function resolveScopes(
  inputs: readonly string[],
  options: ResolveScopesOptions = {},
): readonly string[] {
  const registry = defaultScopeRegistry(options.provider);
  return options.onDeprecated === undefined
    ? registry.resolve(inputs)
    : registry.resolve(inputs, { onDeprecated: options.onDeprecated });
}

/**
 * True when the `granted` scopes cover every `required` scope, directly or through a broader scope
 * (`drive` covers `drive.readonly`). Both sides are canonical scopes (see {@link resolveScopes}).
 */
export function covers(
  granted: Iterable<string>,
  required: Iterable<string>,
  options: ProviderOption = {},
): boolean {
  return defaultScopeRegistry(options.provider).covers(granted, required);
}

/**
 * The minimal set of `required` scopes that `granted` does not cover: what an incremental authorization
 * request must add.
 */
export function missingScopes(
  granted: Iterable<string>,
  required: Iterable<string>,
  options: ProviderOption = {},
): string[] {
  return defaultScopeRegistry(options.provider).missingScopes(granted, required);
}

/** Drops every scope covered by a broader scope of the same set. Sorted, unique, idempotent. */
export function minimize(scopes: Iterable<string>, options: ProviderOption = {}): string[] {
  return defaultScopeRegistry(options.provider).minimize(scopes);
}

/** Reports retired scopes and scopes that must be authorized in a separate flow (Google Photos). */
export function validateCombination(
  scopes: Iterable<string>,
  options: ProviderOption = {},
): CombinationReport {
  return defaultScopeRegistry(options.provider).validateCombination(scopes);
}

/** Explains where a name comes from and what it resolves to. @throws UnknownScopeError */
export function explainScope(name: string, options: ProviderOption = {}): ScopeExplanation {
  return defaultScopeRegistry(options.provider).explain(name);
}

/** Lists the known scopes of a provider, optionally of one service. */
export function listScopes(options: ProviderOption & { service?: string } = {}): ScopeInfo[] {
  const registry = defaultScopeRegistry(options.provider);
  return options.service === undefined ? registry.list() : registry.list({ service: options.service });
}

/**
 * The canonical scope of a named Google scope, typed: `scope("drive.readonly")` autocompletes, and a typo
 * is a compile error.
 *
 * @example
 * ```ts
 * const url = scope("drive.readonly"); // "https://www.googleapis.com/auth/drive.readonly"
 * ```
 */
export function scope<N extends GoogleScopeName>(name: N): GoogleScopeUrl<N> {
  const dot = name.indexOf(".");
  const service = name.slice(0, dot) as GoogleService;
  const names = googleNamedScopes[service] as Readonly<Record<string, string>> | undefined;
  const value = names?.[name.slice(dot + 1)];
  if (value === undefined) return defaultScopeRegistry("google").resolve([name])[0] as GoogleScopeUrl<N>;
  return value as GoogleScopeUrl<N>;
}
