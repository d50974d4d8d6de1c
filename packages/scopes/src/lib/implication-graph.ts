import type { ImplicationRule } from "../data/types.js";

/**
 * The transitive closure of an implication table, indexed the way the hot paths need it:
 * for a required scope, which scopes would cover it.
 * @internal
 */
export interface ImplicationGraph {
  /** `scope -> every other scope that covers it` (transitively). */
  readonly coveredBy: ReadonlyMap<string, ReadonlySet<string>>;
  /** `scope -> every other scope it covers` (transitively). */
  readonly coverage: ReadonlyMap<string, ReadonlySet<string>>;
  /** `broader -> narrower -> rule` for the direct rules, to cite sources. */
  readonly rules: ReadonlyMap<string, ReadonlyMap<string, ImplicationRule>>;
}

/** Builds the closure. Cycles (equivalent scopes) are allowed. @internal */
export function buildImplicationGraph(rules: readonly ImplicationRule[]): ImplicationGraph {
  const direct = new Map<string, Map<string, ImplicationRule>>();
  for (const rule of rules) {
    let edges = direct.get(rule.broader);
    if (!edges) {
      edges = new Map();
      direct.set(rule.broader, edges);
    }
    for (const narrower of rule.narrower) edges.set(narrower, rule);
  }

  const coverage = new Map<string, Set<string>>();
  for (const broader of direct.keys()) {
    const reached = new Set<string>();
    const stack = [...(direct.get(broader)?.keys() ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === broader || reached.has(next)) continue;
      reached.add(next);
      for (const further of direct.get(next)?.keys() ?? []) stack.push(further);
    }
    coverage.set(broader, reached);
  }

  const coveredBy = new Map<string, Set<string>>();
  for (const [broader, narrowers] of coverage) {
    for (const narrower of narrowers) {
      let set = coveredBy.get(narrower);
      if (!set) {
        set = new Set();
        coveredBy.set(narrower, set);
      }
      set.add(broader);
    }
  }
  return { coveredBy, coverage, rules: direct };
}

/** True when `scope` is held, directly or through a broader scope in `granted`. @internal */
export function isCovered(graph: ImplicationGraph, granted: ReadonlySet<string>, scope: string): boolean {
  if (granted.has(scope)) return true;
  const broader = graph.coveredBy.get(scope);
  if (broader === undefined) return false;
  // Iterate the smaller of the two sets.
  if (broader.size <= granted.size) {
    for (const candidate of broader) if (granted.has(candidate)) return true;
  } else {
    for (const candidate of granted) if (broader.has(candidate)) return true;
  }
  return false;
}

/**
 * Drops every scope covered by another scope of the set. Among equivalent scopes (which cover each
 * other) the one that sorts first is kept, so the result is unique, sorted and idempotent. @internal
 */
export function minimizeScopes(graph: ImplicationGraph, scopes: Iterable<string>): string[] {
  const unique = [...new Set(scopes)].sort();
  const all = new Set(unique);
  return unique.filter((scope) => {
    const broader = graph.coveredBy.get(scope);
    if (broader === undefined) return true;
    for (const other of broader) {
      if (!all.has(other)) continue;
      const equivalent = graph.coverage.get(scope)?.has(other) === true;
      if (!equivalent || other < scope) return false;
    }
    return true;
  });
}
