import type { ImplicationRule, ScopeCatalogEntry } from "./data/types.js";
import { InvalidArgumentError, UnknownScopeError } from "./errors.js";
import { closestNames } from "./lib/closest.js";
import { buildImplicationGraph, isCovered, minimizeScopes } from "./lib/implication-graph.js";
import { buildResolutionTable, type Resolution, type ResolutionKind } from "./lib/resolution-table.js";
import { providers } from "./providers/index.js";
import type { ProviderDefinition, ProviderId } from "./providers/types.js";

/** Reported once per use of a legacy name, so callers can migrate to the named scope or canonical URL. */
export interface DeprecatedNameUsage {
  /** The legacy name as given. */
  readonly name: string;
  /** What to write instead: the named reference (`drive.readonly`) or canonical scope. */
  readonly replacement: string;
  /** The canonical scopes it resolved to. */
  readonly scopes: readonly string[];
}

/** Options of {@link createScopeRegistry}. */
export interface ScopeRegistryOptions {
  /**
   * The provider whose scopes the registry knows.
   * @default "google"
   */
  provider?: ProviderId;
  /**
   * Caller-defined groups: `name -> members`, where a member is anything the registry resolves (a scope,
   * a named scope, a built-in or another caller-defined group, a legacy name). Names must not shadow a
   * known name; cycles are rejected.
   * @example { reporting: ["sheets.readonly", "drive.readonly"] }
   */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Called for every legacy name resolved (see {@link DeprecatedNameUsage}). */
  onDeprecated?: (usage: DeprecatedNameUsage) => void;
}

/** Per-call options of {@link ScopeRegistry.resolve}. */
export interface ResolveOptions {
  /** Overrides the registry's `onDeprecated` for this call. */
  onDeprecated?: (usage: DeprecatedNameUsage) => void;
}

/** What the registry knows about one canonical scope. */
export interface ScopeInfo extends ScopeCatalogEntry {
  /** Named references (`drive.readonly`) and alternate spellings that resolve to it. */
  readonly names: readonly string[];
  /** Built-in groups that include it. */
  readonly groups: readonly string[];
  /** Whether the provider has retired it. */
  readonly retired: boolean;
  /** Whether it is in the provider's published catalogue (false: known only as a legacy named scope). */
  readonly published: boolean;
}

/** One way a name is understood, as reported by {@link ScopeRegistry.explain}. */
export interface ScopeInterpretation {
  /** `scope` (a canonical scope or its alternate spelling), `named`, `group` or `legacy`. */
  readonly kind: ResolutionKind;
  /** The canonical scopes it resolves to (sorted). */
  readonly scopes: readonly string[];
  /** For named scopes, groups and legacy names: what the name points at. */
  readonly target: readonly string[];
  /** Whether a caller-defined group. */
  readonly userDefined: boolean;
  /** False when a higher-priority interpretation of the same name wins. */
  readonly effective: boolean;
}

/** The result of {@link ScopeRegistry.explain}. */
export interface ScopeExplanation {
  /** The name as given. */
  readonly name: string;
  /** The provider. */
  readonly provider: ProviderId;
  /** Every interpretation, the effective one first. */
  readonly interpretations: readonly ScopeInterpretation[];
  /** What {@link ScopeRegistry.resolve} returns for the name alone. */
  readonly scopes: readonly ScopeInfo[];
}

/** A set of scopes that must be authorized in its own flow. */
export interface SeparateFlow {
  /** The flow's name (`photos`). */
  readonly flow: string;
  /** Its scopes, with the identity scopes of the input. */
  readonly scopes: readonly string[];
}

/** The result of {@link ScopeRegistry.validateCombination}. */
export interface CombinationReport {
  /** True when the scopes can be requested in one authorization request as they are. */
  readonly ok: boolean;
  /** Retired scopes in the input; requesting them fails. */
  readonly retired: readonly string[];
  /** Flows that must be authorized separately, if mixed with other scopes. */
  readonly separateFlows: readonly SeparateFlow[];
  /** The suggested authorization requests: the main flow first (if any), then each separate flow. */
  readonly requests: readonly (readonly string[])[];
}

/** A provider's scope registry. Create with {@link createScopeRegistry}. */
export interface ScopeRegistry {
  /** The provider. */
  readonly provider: ProviderId;
  /** The provider's definition (catalogue, rules, groups). */
  readonly definition: ProviderDefinition;
  /**
   * Resolves names of any accepted form to canonical scopes, unique and sorted.
   * @throws UnknownScopeError when any name is unknown; nothing is returned then.
   */
  resolve(inputs: readonly string[], options?: ResolveOptions): readonly string[];
  /** Explains how a name resolves. @throws UnknownScopeError */
  explain(name: string): ScopeExplanation;
  /** True when `granted` covers every scope of `required` (canonical scopes). */
  covers(granted: Iterable<string>, required: Iterable<string>): boolean;
  /** The minimal set of scopes in `required` that `granted` does not cover (for incremental authorization). */
  missingScopes(granted: Iterable<string>, required: Iterable<string>): string[];
  /** Drops scopes covered by a broader scope of the same set; sorted, unique. */
  minimize(scopes: Iterable<string>): string[];
  /** Reports retired scopes and scopes that need their own flow. */
  validateCombination(scopes: Iterable<string>): CombinationReport;
  /** What the registry knows about one canonical scope, or `undefined`. */
  describe(scope: string): ScopeInfo | undefined;
  /** Lists known scopes, optionally of one service (a named service such as `docs` or an API name). */
  list(filter?: { service?: string }): ScopeInfo[];
  /** The implication rules that say `broader` covers `narrower` directly, if any. */
  ruleFor(broader: string, narrower: string): ImplicationRule | undefined;
  /** Every name the registry resolves. */
  names(): IterableIterator<string>;
  /** Joins scopes for the provider's `scope` request parameter. */
  formatScopeParameter(scopes: readonly string[]): string;
  /** Splits a granted-scope string from a token response (space or comma separated). */
  parseScopeParameter(value: string): string[];
}

/**
 * Creates a scope registry for one provider, optionally with caller-defined groups.
 *
 * @example
 * ```ts
 * const registry = createScopeRegistry({ groups: { reporting: ["sheets.readonly", "drive.readonly"] } });
 * registry.resolve(["reporting", "gmail.send"]);
 * ```
 * @throws InvalidArgumentError for a bad group definition.
 */
export function createScopeRegistry(options: ScopeRegistryOptions = {}): ScopeRegistry {
  const providerId = options.provider ?? "google";
  const definition = providers[providerId];
  if (definition === undefined) {
    throw new InvalidArgumentError(`Unknown provider ${JSON.stringify(String(providerId).slice(0, 60))}.`);
  }
  const catalog = new Map<string, ScopeCatalogEntry>(definition.catalog.map((entry) => [entry.scope, entry]));
  const known = new Set(catalog.keys());
  for (const names of Object.values(definition.named))
    for (const scope of Object.values(names)) known.add(scope);
  const table = buildResolutionTable(definition, known, options.groups ?? {});
  const graph = buildImplicationGraph(definition.implications);
  const retired = new Set(definition.retired);
  const identity = new Set(definition.identityScopes);
  const registryDeprecated = options.onDeprecated;

  const unknown = (name: string): UnknownScopeError =>
    new UnknownScopeError(name, providerId, closestNames(name, table.keys()));

  const lookup = (name: string): Resolution => {
    const found = typeof name === "string" ? table.get(name)?.[0] : undefined;
    if (found === undefined) throw unknown(String(name));
    return found;
  };

  const report = (name: string, resolution: Resolution, options: ResolveOptions | undefined): void => {
    const callback = options?.onDeprecated ?? registryDeprecated;
    if (callback !== undefined && resolution.kind === "legacy") {
      callback({ name, replacement: resolution.target[0] as string, scopes: resolution.scopes });
    }
  };

  let infoCache: Map<string, ScopeInfo> | undefined;
  const infos = (): Map<string, ScopeInfo> => {
    if (infoCache) return infoCache;
    const names = new Map<string, string[]>();
    const groups = new Map<string, string[]>();
    for (const [name, resolutions] of table) {
      const first = resolutions[0] as Resolution;
      if ((first.kind === "scope" || first.kind === "named") && first.scopes[0] !== name) {
        const scope = first.scopes[0] as string;
        names.set(scope, [...(names.get(scope) ?? []), name]);
      }
      if (first.kind === "group" && !first.userDefined) {
        for (const scope of first.scopes) groups.set(scope, [...(groups.get(scope) ?? []), name]);
      }
    }
    infoCache = new Map();
    for (const scope of [...known].sort()) {
      const entry = catalog.get(scope);
      infoCache.set(scope, {
        scope,
        description: entry?.description ?? "Legacy named scope; not in the provider's published catalogue.",
        apis: entry?.apis ?? [],
        names: (names.get(scope) ?? []).sort(),
        groups: (groups.get(scope) ?? []).sort(),
        retired: retired.has(scope),
        published: entry !== undefined,
      });
    }
    return infoCache;
  };

  const registry: ScopeRegistry = {
    provider: providerId,
    definition,
    resolve(inputs, resolveOptions) {
      if (!Array.isArray(inputs)) throw new InvalidArgumentError("resolve() takes an array of scope names.");
      if (inputs.length === 1) {
        const name = inputs[0] as string;
        const resolution = lookup(name);
        report(name, resolution, resolveOptions);
        return resolution.scopes;
      }
      const resolutions = inputs.map(lookup);
      const scopes = new Set<string>();
      resolutions.forEach((resolution, index) => {
        report(inputs[index] as string, resolution, resolveOptions);
        for (const scope of resolution.scopes) scopes.add(scope);
      });
      return [...scopes].sort();
    },
    explain(name) {
      const resolutions = typeof name === "string" ? table.get(name) : undefined;
      if (resolutions === undefined) throw unknown(String(name));
      const all = infos();
      return {
        name,
        provider: providerId,
        interpretations: resolutions.map((resolution, index) => ({
          kind: resolution.kind,
          scopes: resolution.scopes,
          target: resolution.target,
          userDefined: resolution.userDefined,
          effective: index === 0,
        })),
        scopes: (resolutions[0] as Resolution).scopes.map((scope) => all.get(scope) as ScopeInfo),
      };
    },
    covers(granted, required) {
      const held = granted instanceof Set ? (granted as ReadonlySet<string>) : new Set(granted);
      for (const scope of required) if (!isCovered(graph, held, scope)) return false;
      return true;
    },
    missingScopes(granted, required) {
      const held = granted instanceof Set ? (granted as ReadonlySet<string>) : new Set(granted);
      const missing: string[] = [];
      for (const scope of required) if (!isCovered(graph, held, scope)) missing.push(scope);
      return minimizeScopes(graph, missing);
    },
    minimize(scopes) {
      return minimizeScopes(graph, scopes);
    },
    validateCombination(scopes) {
      const unique = [...new Set(scopes)].sort();
      const retiredFound = unique.filter((scope) => retired.has(scope));
      const identityFound = unique.filter((scope) => identity.has(scope));
      const flows = new Map<string, string[]>();
      const main: string[] = [];
      for (const scope of unique) {
        if (identity.has(scope)) continue;
        const flow = Object.entries(definition.separateFlows).find(([, test]) => test(scope))?.[0];
        if (flow === undefined) main.push(scope);
        else flows.set(flow, [...(flows.get(flow) ?? []), scope]);
      }
      const separateFlows = [...flows].map(([flow, members]) => ({
        flow,
        scopes: [...identityFound, ...members].sort(),
      }));
      const mixed = flows.size > 1 || (flows.size === 1 && main.length > 0);
      const requests: string[][] = [];
      if (main.length > 0 || flows.size === 0) requests.push([...identityFound, ...main].sort());
      for (const flow of separateFlows) requests.push([...flow.scopes]);
      return {
        ok: retiredFound.length === 0 && !mixed,
        retired: retiredFound,
        separateFlows: mixed ? separateFlows : [],
        requests,
      };
    },
    describe(scope) {
      return infos().get(scope);
    },
    list(filter = {}) {
      const all = [...infos().values()];
      const service = filter.service;
      if (service === undefined) return all;
      const namedScopes = new Set(Object.values(definition.named[service] ?? {}));
      return all.filter(
        (info) => namedScopes.has(info.scope) || info.apis.some((api) => api.split(":")[0] === service),
      );
    },
    ruleFor(broader, narrower) {
      return graph.rules.get(broader)?.get(narrower);
    },
    names() {
      return table.keys();
    },
    formatScopeParameter(scopes) {
      return scopes.join(definition.separator);
    },
    parseScopeParameter(value) {
      return value.split(/[\s,]+/).filter((scope) => scope.length > 0);
    },
  };
  return registry;
}
