import { ConfigError, CredstackError, type CredstackErrorOptions } from "@credstack/errors";
import { IntegrityError } from "@credstack/storage";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { ConfigError, CredstackError };

/**
 * KMS could not be reached (network error, timeout, throttling, 5xx): code `ERR_CIPHER_UNAVAILABLE`.
 * Nothing was sealed or written.
 */
export class CipherUnavailableError extends CredstackError {
  /** The KMS key involved. */
  readonly keyId: string;
  constructor(keyId: string, message: string, options?: CredstackErrorOptions) {
    super("ERR_CIPHER_UNAVAILABLE", message, options);
    this.keyId = keyId;
  }
}

/**
 * KMS refused to use the key (access denied, key disabled, pending deletion, not found):
 * code `ERR_KEY_ACCESS_DENIED`. The message names the key id, never any plaintext.
 */
export class KeyAccessDeniedError extends CredstackError {
  /** The KMS key involved. */
  readonly keyId: string;
  /** The KMS error name (`AccessDeniedException`, `DisabledException`, ...). */
  readonly reason: string;
  constructor(keyId: string, reason: string, options?: CredstackErrorOptions) {
    super("ERR_KEY_ACCESS_DENIED", `KMS refused key ${keyId}: ${reason}.`, options);
    this.keyId = keyId;
    this.reason = reason;
  }
}

/**
 * Sealed data failed authentication: tampered bytes, a record moved to another provider/account (KMS
 * refuses the encryption context), or a data key that is not this key's: code `ERR_INTEGRITY`.
 */
export class KmsIntegrityError extends IntegrityError {}
