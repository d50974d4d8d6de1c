import { ConfigError, CredstackError, type CredstackErrorOptions } from "@credstack/errors";
import { UnknownScopeError } from "@credstack/scopes";
import { CorruptRecordError, IntegrityError, InvalidArgumentError } from "@credstack/storage";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { CorruptRecordError, CredstackError, IntegrityError, InvalidArgumentError, UnknownScopeError };

/**
 * A legacy or credstack environment variable with an invalid value, or a store that cannot be opened as
 * configured (missing optional adapter): code `ERR_INVALID_CONFIG`. The message names the variable, never
 * its value (a URL may carry a password). A `ConfigError` that names the variable.
 */
export class LegacyConfigError extends ConfigError {
  /** The variable at fault (`CREDENTIAL_STORAGE_MODE`, `CREDSTACK_STORE`, ...). */
  readonly variable: string;
  constructor(variable: string, message: string, options?: CredstackErrorOptions) {
    super(`${variable}: ${message}`, options);
    this.variable = variable;
  }
}

/**
 * A write (`put`, `putMany`, `delete`, `lease`) on the legacy directory store, which only reads:
 * code `ERR_READ_ONLY`. Import into a writable store with `importLegacy()` or `migrate()`.
 */
export class ReadOnlyStoreError extends CredstackError {
  constructor(operation: string, options?: CredstackErrorOptions) {
    super(
      "ERR_READ_ONLY",
      `The legacy directory store is read-only (${operation}); import it into a credstack store instead.`,
      options,
    );
  }
}

/**
 * A legacy credential file failed authentication: a Fernet token or v2 envelope HMAC that does not verify
 * (tampered, truncated on a block boundary, or encrypted under another key), or a v2 envelope without its
 * mandatory `hmac`: code `ERR_INTEGRITY`. Nothing from the file is used.
 */
export class LegacyFileIntegrityError extends IntegrityError {
  /** The file, relative to the legacy directory. */
  readonly file: string;
  constructor(file: string, reason: string, options?: CredstackErrorOptions) {
    super(`Legacy file ${JSON.stringify(file)}: ${reason}.`, options);
    this.file = file;
  }
}

/**
 * A legacy credential file that cannot be parsed (truncated, not JSON, unknown or mixed layout, bad
 * field types): code `ERR_CORRUPT_RECORD`, `location` = the file. Nothing from the file is used.
 */
export class LegacyFileCorruptError extends CorruptRecordError {
  /** The file, relative to the legacy directory. */
  readonly file: string;
  constructor(file: string, reason: string, options?: CredstackErrorOptions) {
    super(`Legacy file unreadable: ${reason}.`, file, options);
    this.file = file;
  }
}

/**
 * The key a legacy file needs was not supplied: no `.auth_encryption_key` (and no `MCP_API_KEY`), or a
 * per-user envelope none of whose recipients is among the supplied user keys: code `ERR_KEY_NOT_FOUND`.
 */
export class LegacyKeyNotFoundError extends CredstackError {
  /** The file, relative to the legacy directory. */
  readonly file: string;
  constructor(file: string, reason: string, options?: CredstackErrorOptions) {
    super("ERR_KEY_NOT_FOUND", `Legacy file ${JSON.stringify(file)}: ${reason}.`, options);
    this.file = file;
  }
}
