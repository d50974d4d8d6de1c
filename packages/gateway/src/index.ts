/**
 * `@credstack/gateway`: one HTTP service (Fastify) that authorizes users with OAuth providers, stores and
 * refreshes their credentials through the credstack resolver, and hands valid access tokens to services
 * holding an API key. The client library is on the `@credstack/gateway/client` subpath.
 *
 * @packageDocumentation
 */
export {
  type GatewayConfig,
  gatewayConfigSchema,
  loadGatewayConfig,
  parseGatewayConfig,
  type ResolvedGatewayConfig,
  resolveGatewayConfig,
} from "./config.js";
export {
  AuthorizationRequiredError,
  ConfigError,
  GatewayConfigError,
  GatewayRequestError,
} from "./errors.js";
export {
  createGateway,
  type Gateway,
  type GatewayOptions,
  type GatewayProvider,
  type GatewayRateLimit,
} from "./gateway.js";
export type { FailedAuthLimit } from "./lib/abuse.js";
export type { GatewayDelegation } from "./lib/access.js";
export { type ApiKeyEntry, type ApiKeyMode, generateApiKey, hashApiKey } from "./lib/api-keys.js";
export type { AuditEvent, AuditEventType, GatewayAuditOptions } from "./lib/audit.js";
export type { GatewayMetricsOptions } from "./lib/metrics.js";
export type { RequestLog } from "./lib/request-log.js";
export { type RunGatewayOptions, type RunningGateway, readApiKeysFile, runGateway } from "./run.js";
export { type OpenedStore, openStore } from "./store-uri.js";
