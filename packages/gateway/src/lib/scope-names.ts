import type { ProviderConfig } from "@credstack/core";
import { defaultScopeRegistry, type ProviderId } from "@credstack/scopes";

const registries = new Set<string>(["google", "microsoft", "github", "slack"]);

/**
 * Canonical scopes for `names`, the way the resolver reads them: the provider's `@credstack/scopes`
 * registry (`scopes` field, else the slug when the registry knows it), or exact strings for `plain`.
 * @throws UnknownScopeError (`ERR_UNKNOWN_SCOPE`) for a name the registry does not know.
 * @internal
 */
export function canonicalScopes(slug: string, config: ProviderConfig, names: readonly string[]): string[] {
  const id = config.scopes ?? (registries.has(slug) ? slug : "plain");
  if (id === "plain") return [...new Set(names.map((name) => name.trim()).filter(Boolean))].sort();
  return [...defaultScopeRegistry(id as ProviderId).resolve(names)];
}
