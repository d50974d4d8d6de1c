import { ConfigError, CredstackError } from "@credstack/errors";
import {
  CorruptRecordError,
  IntegrityError,
  InvalidArgumentError,
  LeaseUnavailableError,
  StoreUnavailableError,
  VersionConflictError,
} from "@credstack/storage";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export {
  CorruptRecordError,
  CredstackError,
  IntegrityError,
  InvalidArgumentError,
  LeaseUnavailableError,
  StoreUnavailableError,
  VersionConflictError,
};

/**
 * The file store was configured unsafely or inconsistently (no cipher without `insecurePlaintext`, a
 * directory readable by group or others, a directory owned by another user): code `ERR_INVALID_CONFIG`.
 * @deprecated The same class as `ConfigError` from `@credstack/errors`; use that name.
 */
export const FileStoreConfigError = ConfigError;
/** @deprecated Use `ConfigError` from `@credstack/errors`. */
export type FileStoreConfigError = ConfigError;
