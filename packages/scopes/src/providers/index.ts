import { googleProvider } from "./google.js";
import { githubProvider, microsoftProvider, slackProvider } from "./others.js";
import type { ProviderDefinition, ProviderId } from "./types.js";

/** The built-in providers, by id. */
export const providers: Readonly<Record<ProviderId, ProviderDefinition>> = {
  google: googleProvider,
  microsoft: microsoftProvider,
  github: githubProvider,
  slack: slackProvider,
};
