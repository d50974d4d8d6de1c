import type { CatalogSource, ImplicationRule, ScopeCatalogEntry } from "../data/types.js";

/** The providers credstack ships scope data for. */
export type ProviderId = "google" | "microsoft" | "github" | "slack";

/**
 * Everything the registry knows about one provider. Built-in providers are defined in `src/providers/`;
 * the shape is public so that tests and tools can inspect it.
 */
export interface ProviderDefinition {
  /** Provider slug. */
  readonly id: ProviderId;
  /** Human-readable name. */
  readonly title: string;
  /** What joins scopes in the provider's authorization request `scope` parameter. */
  readonly separator: " " | ",";
  /** Every scope the provider publishes. */
  readonly catalog: readonly ScopeCatalogEntry[];
  /** Where {@link ProviderDefinition.catalog} comes from. */
  readonly catalogSource: CatalogSource;
  /** Documented implications (transitively closed by the registry). */
  readonly implications: readonly ImplicationRule[];
  /** Named scopes per service: `service -> name -> canonical scope`. */
  readonly named: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Built-in groups: `group -> members` (any input the registry resolves). */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Legacy names: `legacy name -> named reference or canonical scope`. Using one is reported as deprecated. */
  readonly legacyNames: Readonly<Record<string, string>>;
  /** Scopes the provider has retired. */
  readonly retired: readonly string[];
  /** Flows that must be authorized alone: `flow name -> membership test`. */
  readonly separateFlows: Readonly<Record<string, (scope: string) => boolean>>;
  /** Identity scopes that may join any flow. */
  readonly identityScopes: readonly string[];
  /** Extra exact spellings accepted for a canonical scope (short forms, fully qualified forms). */
  readonly alternateSpellings: (scope: string) => readonly string[];
}
