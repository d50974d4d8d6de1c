/**
 * `@credstack/storage-redis`: a credstack `CredentialStore` in Redis (peer dependency `ioredis`).
 *
 * @packageDocumentation
 */
export {
  CorruptRecordError,
  IntegrityError,
  LeaseUnavailableError,
  StoreUnavailableError,
  VersionConflictError,
} from "./errors.js";
export type { RedisClient } from "./lib/scripts.js";
export { hashSlot } from "./lib/slot.js";
export { type RedisStoreOptions, redisStore } from "./redis-store.js";
