import { googleCatalog, googleCatalogSource } from "../data/google.generated.js";
import { googleSupplement } from "../data/google-supplement.js";
import { googleGroups } from "../google/groups.js";
import {
  googleIdentityScopes,
  googleImplications,
  googleRetiredScopes,
  googleSeparateFlows,
} from "../google/implications.js";
import { googleLegacyNames, googleLegacyScopeGroupKeys } from "../google/legacy.js";
import { googleNamedScopes } from "../google/named.js";
import type { ProviderDefinition } from "./types.js";

const authPrefix = "https://www.googleapis.com/auth/";

const generated = new Set(googleCatalog.map((entry) => entry.scope));
const catalog = [...googleCatalog, ...googleSupplement.filter((entry) => !generated.has(entry.scope))].sort(
  (a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0),
);

/**
 * Google: the complete generated catalogue (plus the curated Photos scopes the discovery directory lacks), the legacy named scopes and groups, exact legacy names.
 * A scope under `https://www.googleapis.com/auth/` may also be written by its short form (`drive.file`).
 */
export const googleProvider: ProviderDefinition = {
  id: "google",
  title: "Google",
  separator: " ",
  catalog,
  catalogSource: {
    ...googleCatalogSource,
    name: `${googleCatalogSource.name}, plus ${googleSupplement.length} curated Photos scopes`,
  },
  implications: googleImplications,
  named: googleNamedScopes,
  groups: googleGroups,
  legacyNames: { ...googleLegacyScopeGroupKeys, ...googleLegacyNames },
  retired: googleRetiredScopes,
  separateFlows: googleSeparateFlows,
  identityScopes: googleIdentityScopes,
  alternateSpellings: (scope) => (scope.startsWith(authPrefix) ? [scope.slice(authPrefix.length)] : []),
};
