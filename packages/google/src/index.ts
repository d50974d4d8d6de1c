/**
 * `@credstack/google`: service injection on the credstack resolver — a `google-auth-library`
 * `AuthClient` whose every request takes its token from `resolve()`, and a service factory that caches
 * authorized `googleapis` / `@googleapis/*` clients per caller. Subpaths: `./mcp` (tools that receive a
 * ready client), `./fetch` (`authorizedFetch` for any provider), `./github` (Octokit `authStrategy`),
 * `./graph` (Microsoft Graph client), `./errors`.
 *
 * @packageDocumentation
 */
export { CredstackAuthClient, type CredstackAuthClientOptions, credstackAuthClient } from "./auth-client.js";
export {
  AuthorizationRequiredError,
  type AuthorizationRequiredFlow,
  CallerUnauthorizedError,
  GoogleConfigError,
} from "./errors.js";
export type { CallerOptions } from "./lib/options.js";
export {
  createGoogleServices,
  type GoogleApiFactory,
  type GoogleApis,
  type GoogleCaller,
  type GoogleServiceClient,
  type GoogleServiceOptions,
  type GoogleServiceSpec,
  type GoogleServices,
  type GoogleServicesFilter,
  type GoogleServicesOptions,
  googleService,
} from "./services.js";
