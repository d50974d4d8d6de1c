import { githubCatalog, githubCatalogSource, githubImplications } from "../data/github.js";
import { microsoftCatalog, microsoftCatalogSource, microsoftImplications } from "../data/microsoft.js";
import { slackCatalog, slackCatalogSource, slackImplications } from "../data/slack.js";
import type { ProviderDefinition } from "./types.js";

const graphResource = "https://graph.microsoft.com/";
const oidcScopes = new Set(["openid", "profile", "email", "offline_access"]);
const none = (): readonly string[] => [];

/**
 * Microsoft Graph delegated permissions. Canonical form is the short name (`Mail.Read`); the fully
 * qualified `https://graph.microsoft.com/Mail.Read` is accepted and resolves to it.
 */
export const microsoftProvider: ProviderDefinition = {
  id: "microsoft",
  title: "Microsoft Graph",
  separator: " ",
  catalog: microsoftCatalog,
  catalogSource: microsoftCatalogSource,
  implications: microsoftImplications,
  named: {},
  groups: {},
  legacyNames: {},
  retired: [],
  separateFlows: {},
  identityScopes: [...oidcScopes],
  alternateSpellings: (scope) => (oidcScopes.has(scope) ? [] : [`${graphResource}${scope}`]),
};

/** GitHub OAuth app scopes (space-separated in requests; GitHub reports granted scopes comma-separated). */
export const githubProvider: ProviderDefinition = {
  id: "github",
  title: "GitHub",
  separator: " ",
  catalog: githubCatalog,
  catalogSource: githubCatalogSource,
  implications: githubImplications,
  named: {},
  groups: {},
  legacyNames: {},
  retired: [],
  separateFlows: {},
  identityScopes: [],
  alternateSpellings: none,
};

/** Slack scopes (comma-separated in requests). */
export const slackProvider: ProviderDefinition = {
  id: "slack",
  title: "Slack",
  separator: ",",
  catalog: slackCatalog,
  catalogSource: slackCatalogSource,
  implications: slackImplications,
  named: {},
  groups: {},
  legacyNames: {},
  retired: [],
  separateFlows: {},
  identityScopes: ["openid", "email", "profile"],
  alternateSpellings: none,
};
