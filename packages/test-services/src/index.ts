/**
 * Throwaway test servers (PostgreSQL, Redis, moto's KMS, an OpenID provider) for credstack's own test suite (private package, not published).
 *
 * @packageDocumentation
 */

export {
  type ApiRequestLog,
  type ApiServer,
  type ApiServerOptions,
  type IssuedTokens,
  startApiServer,
} from "./api-server.js";
export { type MotoServer, startMoto } from "./moto.js";
export {
  type OidcMachineClient,
  type OidcProviderOptions,
  type OidcProviderServer,
  startOidcProvider,
  type TestProviderConfig,
} from "./oidc-provider.js";
export { type PostgresServer, startPostgres } from "./postgres.js";
export { freePort, waitForPort } from "./process.js";
export { ensureRedisInstalled, type RedisOptions, type RedisServer, startRedis } from "./redis.js";
export { type RedisClusterOptions, type RedisClusterServer, startRedisCluster } from "./redis-cluster.js";
