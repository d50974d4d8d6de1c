/**
 * `@credstack/storage`: the credential record, the `CredentialStore` and `Cipher` contracts, AES-256-GCM
 * key rings, the memory store, `withBackup` and `migrate()`.
 *
 * @packageDocumentation
 */
export {
  type AesGcmCipher,
  type AesGcmCipherOptions,
  aesGcmCipher,
  type KeyRing,
} from "./aes-gcm/aes-gcm-cipher.js";
export { gcmNonce, gcmNonceLength, gcmOpen, gcmSeal, gcmTagLength } from "./aes-gcm/gcm.js";
export {
  addKeyFile,
  type KeyFileGeneration,
  keyFileName,
  listKeyFiles,
  loadKeyDirectory,
  loadOrCreateKeyDirectory,
} from "./aes-gcm/key-directory.js";
export { loadKeyFile, loadOrCreateKeyFile } from "./aes-gcm/key-file.js";
export {
  type AesKey,
  aesKey,
  fingerprintOf,
  generateKey,
  keyFromBase64,
  keyToBase64,
  loadKeyFromEnv,
} from "./aes-gcm/keys.js";
export {
  type AtomicWriteOptions,
  atomicTempPrefix,
  syncDirectory,
  writeFileAtomic,
} from "./atomic-write.js";
export type { Cipher } from "./cipher.js";
export { type CipherRingOptions, cipherRing } from "./cipher-ring.js";
export {
  CorruptRecordError,
  CredstackError,
  describeKey,
  IntegrityError,
  InvalidArgumentError,
  InvalidRecordError,
  KeyConfigError,
  LeaseUnavailableError,
  StoreUnavailableError,
  UnknownKeyIdError,
  VersionConflictError,
} from "./errors.js";
export { formatOneCipher, formatTwoOnlyCipher } from "./format-one-cipher.js";
export { type GetManyOptions, getEach, getMany } from "./get-many.js";
export {
  accountKey,
  bindingOf,
  type CredentialKey,
  compareKeys,
  maxAccountLength,
  normalizeKey,
  providerPattern,
  sameKey,
} from "./key.js";
export { copyIfNewer } from "./lib/copy.js";
export { checkListOptions, listFromSorted } from "./lib/listing.js";
export { type RecordSealFormat, recordSealFormatOf } from "./lib/record-seal.js";
export { checkPutOptions, recordToWrite } from "./lib/write.js";
export { type MemoryStoreOptions, memoryStore } from "./memory-store.js";
export {
  type MigrateOptions,
  type MigrationCheckpoint,
  type MigrationFailure,
  type MigrationProgress,
  type MigrationResult,
  migrate,
} from "./migrate.js";
export {
  type CredentialInput,
  type CredentialRecord,
  credentialInputSchema,
  credentialRecordSchema,
  type ParseRecordOptions,
  parseCredentialInput,
  parseRecord,
  redactRecord,
  secretFields,
} from "./record.js";
export { type ResealOptions, type ResealResult, reseal } from "./reseal.js";
export {
  decodeSecrets,
  encodeSecrets,
  joinRecord,
  openRecord,
  type RecordColumns,
  type RecordSecrets,
  sealRecord,
  splitRecord,
} from "./sealed-record.js";
export type {
  CredentialStore,
  DeleteOptions,
  GetManyResult,
  Lease,
  LeaseOptions,
  ListOptions,
  PutManyOutcome,
  PutOptions,
  StopWatching,
  StoreCapabilities,
  StoreChange,
} from "./store.js";
export {
  describeStoreUri,
  type ParseStoreUriOptions,
  parseStoreUri,
  redactStoreUri,
  type StoreUri,
  StoreUriError,
} from "./store-uri.js";
export { withBackup } from "./with-backup.js";
