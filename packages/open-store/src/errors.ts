import { CredstackError, type CredstackErrorOptions } from "@credstack/errors";

/**
 * A store or its keys cannot be opened as configured — a bad URI, a missing or malformed key, an adapter
 * that is not installed: code `ERR_INVALID_CONFIG`. `source` names the setting (`CREDSTACK_KEY`,
 * `CREDSTACK_STORE`, a file path) when one is to blame. The message never contains key material or a
 * password.
 */
export class StoreConfigError extends CredstackError {
  /** The variable, option or file that is wrong, when known. */
  readonly source: string | undefined;
  constructor(message: string, options?: CredstackErrorOptions & { readonly source?: string }) {
    super("ERR_INVALID_CONFIG", message, options);
    this.name = "StoreConfigError";
    this.source = options?.source;
  }
}
