/**
 * `@credstack/kms`: AWS KMS envelope encryption usable under any credstack store.
 *
 * @packageDocumentation
 */
export { CipherUnavailableError, ConfigError, KeyAccessDeniedError, KmsIntegrityError } from "./errors.js";
export { type KmsCallCounts, type KmsCipher, type KmsCipherOptions, kmsCipher } from "./kms-cipher.js";
export type { DataKeyCacheOptions } from "./lib/data-key-cache.js";
