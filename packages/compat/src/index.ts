/**
 * `@credstack/compat`: one-way bridge from the legacy Python OAuth server — its scope names, storage
 * modes, environment variables and credential files — onto credstack's API.
 *
 * @packageDocumentation
 */
export {
  detectLegacyLayout,
  type FromLegacyOptions,
  fromLegacyCredentials,
  googleTokenUri,
  type LegacyCredentials,
  type LegacyLayout,
  readLegacyCredentials,
  toLegacyCredentials,
} from "./credential-format.js";
export {
  LegacyConfigError,
  LegacyFileCorruptError,
  LegacyFileIntegrityError,
  LegacyKeyNotFoundError,
  ReadOnlyStoreError,
} from "./errors.js";
export {
  type ImportFileReport,
  type ImportFileStatus,
  type ImportLegacyOptions,
  type ImportLegacyReport,
  importLegacy,
} from "./import-legacy.js";
export {
  type LegacyServiceDefaults,
  LIVE_SERVICE_DEFAULTS,
  legacyChatAppScopes,
  legacyDcrScopeDefaults,
  legacyDriveScopes,
  legacyOAuthEndpointScopes,
  resolveLegacyScope,
  SCOPE_GROUPS,
  SERVICE_DEFAULTS,
} from "./legacy-scopes.js";
export {
  type LegacyDirectoryOptions,
  type LegacyDirectoryStore,
  type LegacyScannedFile,
  legacyDirectoryStore,
} from "./legacy-store.js";
export type { LegacyEvidence } from "./lib/evidence.js";
export type { LegacyKeys, LegacyOAuthIdentity } from "./lib/legacy-keys.js";
export type { LegacyEncoding } from "./lib/open-file.js";
export { safeNameOf as legacySafeName } from "./lib/safe-name.js";
export type { LegacyFileKind } from "./lib/scan.js";
export {
  keyFileName,
  type LegacyStorageMode,
  type MappedSessionOptions,
  type StoreFromEnv,
  type StoreFromEnvOptions,
  type StoreKind,
  storeFromEnv,
  storeSubdirectory,
} from "./store-from-env.js";
