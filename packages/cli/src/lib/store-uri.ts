import { parseStoreUri as parse, type StoreUri, StoreUriError } from "@credstack/storage";
import { UsageError } from "../io.js";

/** The store used when no `--store` is given and `CREDSTACK_STORE` is unset. */
export const defaultStoreUri = "file:.credstack";

/**
 * Parses a store URI with `@credstack/storage`'s one parser; a bad URI is a usage error (exit code 2)
 * whose message never contains a password.
 */
export function parseStoreUri(text: string): StoreUri {
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof StoreUriError) throw new UsageError(error.message);
    throw error;
  }
}
