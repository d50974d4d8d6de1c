import { InvalidArgumentError } from "../errors.js";
import type { ProviderDefinition } from "../providers/types.js";

/** How a name was understood. */
export type ResolutionKind = "scope" | "named" | "group" | "legacy";

/** One way a name resolves. @internal */
export interface Resolution {
  readonly kind: ResolutionKind;
  /** Canonical scopes, sorted, unique, frozen. */
  readonly scopes: readonly string[];
  /** For `named`, `group` and `legacy`: what the name points at (a reference or member list). */
  readonly target: readonly string[];
  /** Whether the group was defined by the caller rather than built in. */
  readonly userDefined: boolean;
}

/** Every name the registry knows, each with its interpretations in priority order. @internal */
export type ResolutionTable = Map<string, Resolution[]>;

const groupNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

function frozenSorted(scopes: Iterable<string>): readonly string[] {
  return Object.freeze([...new Set(scopes)].sort());
}

function add(table: ResolutionTable, name: string, resolution: Resolution): void {
  const list = table.get(name);
  if (list) list.push(resolution);
  else table.set(name, [resolution]);
}

/**
 * Builds the lookup table: canonical scopes and their alternate spellings, named scopes, built-in and
 * caller-defined groups, and legacy names, in that priority order.
 * @internal
 */
export function buildResolutionTable(
  provider: ProviderDefinition,
  knownScopes: ReadonlySet<string>,
  userGroups: Readonly<Record<string, readonly string[]>>,
): ResolutionTable {
  const table: ResolutionTable = new Map();
  for (const scope of knownScopes) {
    const resolution: Resolution = {
      kind: "scope",
      scopes: Object.freeze([scope]),
      target: [],
      userDefined: false,
    };
    add(table, scope, resolution);
    for (const spelling of provider.alternateSpellings(scope)) add(table, spelling, resolution);
  }
  for (const [service, names] of Object.entries(provider.named)) {
    for (const [name, scope] of Object.entries(names)) {
      add(table, `${service}.${name}`, {
        kind: "named",
        scopes: Object.freeze([scope]),
        target: [scope],
        userDefined: false,
      });
    }
  }

  const pending = new Map<string, { members: readonly string[]; userDefined: boolean }>();
  for (const [name, members] of Object.entries(provider.groups))
    pending.set(name, { members, userDefined: false });
  for (const [name, members] of Object.entries(userGroups)) {
    if (!groupNamePattern.test(name)) {
      throw new InvalidArgumentError(`Invalid group name ${JSON.stringify(name.slice(0, 120))}.`);
    }
    if (pending.has(name) || table.has(name) || name in provider.legacyNames) {
      throw new InvalidArgumentError(
        `Group name "${name}" is already a ${provider.id} scope, group or legacy name.`,
      );
    }
    if (!Array.isArray(members) || members.some((member) => typeof member !== "string")) {
      throw new InvalidArgumentError(`Group "${name}" must be an array of scope names.`);
    }
    pending.set(name, { members, userDefined: true });
  }

  const resolving = new Set<string>();
  const resolveGroup = (name: string): readonly string[] => {
    const done = table.get(name)?.find((resolution) => resolution.kind === "group");
    if (done) return done.scopes;
    const group = pending.get(name) as { members: readonly string[]; userDefined: boolean };
    if (resolving.has(name)) {
      throw new InvalidArgumentError(
        `Group "${name}" includes itself (through ${[...resolving].join(" -> ")}).`,
      );
    }
    resolving.add(name);
    const scopes: string[] = [];
    for (const member of group.members) {
      const direct = table.get(member)?.[0];
      if (direct && direct.kind !== "group") scopes.push(...direct.scopes);
      else if (pending.has(member)) scopes.push(...resolveGroup(member));
      else if (member in provider.legacyNames) scopes.push(...resolveReference(table, provider, member));
      else throw new InvalidArgumentError(`Group "${name}" has an unknown member ${JSON.stringify(member)}.`);
    }
    resolving.delete(name);
    const resolution: Resolution = {
      kind: "group",
      scopes: frozenSorted(scopes),
      target: group.members,
      userDefined: group.userDefined,
    };
    add(table, name, resolution);
    return resolution.scopes;
  };
  for (const name of pending.keys()) resolveGroup(name);

  for (const [name, reference] of Object.entries(provider.legacyNames)) {
    add(table, name, {
      kind: "legacy",
      scopes: Object.freeze(resolveReference(table, provider, name)),
      target: [reference],
      userDefined: false,
    });
  }
  return table;
}

function resolveReference(
  table: ResolutionTable,
  provider: ProviderDefinition,
  legacyName: string,
): string[] {
  const reference = provider.legacyNames[legacyName] as string;
  const target = table
    .get(reference)
    ?.find((resolution) => resolution.kind === "named" || resolution.kind === "scope");
  if (!target) throw new Error(`Legacy name "${legacyName}" points at unknown reference "${reference}".`);
  return [...target.scopes];
}
