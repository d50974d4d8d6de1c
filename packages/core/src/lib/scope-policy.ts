import { defaultScopeRegistry, type ProviderId, type ScopeRegistry } from "@credstack/scopes";

/** How one provider's scopes are resolved and compared (the `@credstack/scopes` registry, or exact strings). */
export interface ScopePolicy {
  /** Resolves names to canonical scopes (cached). @throws UnknownScopeError */
  resolve(names: readonly string[]): readonly string[];
  /** True when `granted` covers `required`. */
  covers(granted: readonly string[], required: readonly string[]): boolean;
  /** The minimal set of `required` not covered by `granted`. */
  missing(granted: readonly string[], required: readonly string[]): string[];
  /** Drops covered scopes. */
  minimize(scopes: Iterable<string>): string[];
  /** The authorization requests needed for `scopes`: the main flow first, then separate flows. */
  flows(scopes: readonly string[]): { flow: string; scopes: string[] }[];
  /** Joins scopes for the `scope` parameter. */
  format(scopes: readonly string[]): string;
  /** Splits a `scope` value from a token response. */
  parse(value: string): string[];
  /** Whether the provider merges incremental grants (`include_granted_scopes`): request only what is missing. */
  readonly incremental: boolean;
  /** Whether Google's authorization parameters apply. */
  readonly google: boolean;
}

const knownProviders = new Set<string>(["google", "microsoft", "github", "slack"]);
const maxCached = 512;

function cached(resolve: (names: readonly string[]) => readonly string[]) {
  const cache = new Map<string, readonly string[]>();
  return (names: readonly string[]): readonly string[] => {
    const key = names.length === 1 ? (names[0] as string) : names.join("\u0000");
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const value = Object.freeze([...resolve(names)]);
    if (cache.size >= maxCached) cache.clear();
    cache.set(key, value);
    return value;
  };
}

/**
 * `covers` remembering its last answer per granted scope list, when both lists are frozen (a stored
 * record's scopes, the cached canonical request): a cache hit asks the same question on every call.
 */
function rememberingCovers(
  covers: (granted: readonly string[], required: readonly string[]) => boolean,
): (granted: readonly string[], required: readonly string[]) => boolean {
  const answers = new WeakMap<readonly string[], { required: readonly string[]; covered: boolean }>();
  return (granted, required) => {
    if (!Object.isFrozen(granted) || !Object.isFrozen(required)) return covers(granted, required);
    const known = answers.get(granted);
    if (known !== undefined && known.required === required) return known.covered;
    const covered = covers(granted, required);
    answers.set(granted, { required, covered });
    return covered;
  };
}

function registryPolicy(registry: ScopeRegistry): ScopePolicy {
  const google = registry.provider === "google";
  return {
    resolve: cached((names) => registry.resolve(names)),
    covers: rememberingCovers((granted, required) => registry.covers(granted, required)),
    missing: (granted, required) => registry.missingScopes(granted, required),
    minimize: (scopes) => registry.minimize(scopes),
    flows(scopes) {
      const report = registry.validateCombination(scopes);
      const names = report.separateFlows.map((flow) => flow.flow);
      const hasMain = report.requests.length > report.separateFlows.length;
      return report.requests.map((request, index) => ({
        flow: hasMain ? (index === 0 ? "main" : (names[index - 1] as string)) : (names[index] ?? "main"),
        scopes: [...request],
      }));
    },
    format: (scopes) => registry.formatScopeParameter(scopes),
    parse: (value) => registry.parseScopeParameter(value),
    incremental: google,
    google,
  };
}

/** Exact-string scopes for providers the registry does not know (set inclusion, no implication). */
const plainPolicy: ScopePolicy = {
  resolve: cached((names) => [...new Set(names.map((name) => name.trim()).filter(Boolean))].sort()),
  covers: rememberingCovers((granted, required) => {
    if (required.length === 0) return true;
    const held = new Set(granted);
    return required.every((scope) => held.has(scope));
  }),
  missing(granted, required) {
    const held = new Set(granted);
    return [...new Set(required.filter((scope) => !held.has(scope)))].sort();
  },
  minimize: (scopes) => [...new Set(scopes)].sort(),
  flows: (scopes) => [{ flow: "main", scopes: [...scopes] }],
  format: (scopes) => scopes.join(" "),
  parse: (value) => value.split(/[\s,]+/).filter((scope) => scope.length > 0),
  incremental: false,
  google: false,
};

const policies = new Map<string, ScopePolicy>();

/**
 * The scope policy of a provider: the `@credstack/scopes` registry for `google`, `microsoft`, `github`
 * and `slack` (or the `scopes` the provider config names), exact strings otherwise. @internal
 */
export function scopePolicyFor(kind: string | undefined): ScopePolicy {
  if (kind === undefined || !knownProviders.has(kind)) return plainPolicy;
  let policy = policies.get(kind);
  if (policy === undefined) {
    policy = registryPolicy(defaultScopeRegistry(kind as ProviderId));
    policies.set(kind, policy);
  }
  return policy;
}
