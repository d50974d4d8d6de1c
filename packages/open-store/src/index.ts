/**
 * `@credstack/open-store`: the one way to open a credstack store from a URI and key sources — used by the
 * CLI, the gateway and `@credstack/compat`. Adapters and KMS are optional peers loaded when used.
 *
 * @packageDocumentation
 */
export {
  type CipherFromKeySourcesOptions,
  cipherFromKeySources,
  type KeyedCipher,
} from "./cipher-from-keys.js";
export {
  clientOptionsFromEnv,
  type StoreClientOptions,
  sealFormatFromEnv,
} from "./client-options.js";
export { StoreConfigError } from "./errors.js";
export { type KeyRingEntry, readKeyRingFile } from "./key-ring-file.js";
export {
  hasKeys,
  type KeySources,
  type KmsKeySource,
  keyEnvironmentVariables,
  keySourcesFromEnv,
} from "./key-sources.js";
export { type KeyReload, type OpenedStore, type OpenStoreOptions, openStore } from "./open-store.js";
