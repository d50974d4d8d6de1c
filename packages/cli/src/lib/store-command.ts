import { type CipherFlags, cipherOptionSpec } from "./cipher-options.js";
import { type OpenedStore, type OpenStoreOptions, openStore } from "./open-store.js";
import { defaultStoreUri } from "./store-uri.js";

/** Options shared by the commands that work on one store: `--store` and the cipher options. */
export const storeOptionSpec = {
  store: { type: "string" },
  ...cipherOptionSpec,
  help: { type: "boolean", short: "h", default: false },
} as const;

/** The store URI to use: `--store`, else `CREDSTACK_STORE`, else `file:.credstack`. */
export function storeUriOf(values: { store?: string | undefined }, positional?: string): string {
  return values.store ?? positional ?? process.env.CREDSTACK_STORE ?? defaultStoreUri;
}

/** Opens the store, runs `fn`, and closes the store whatever happens. */
export async function withStore<T>(
  uri: string,
  flags: CipherFlags,
  options: Omit<OpenStoreOptions, "flags">,
  fn: (opened: OpenedStore) => Promise<T>,
): Promise<T> {
  const opened = await openStore(uri, { ...options, flags });
  try {
    return await fn(opened);
  } finally {
    await opened.store.close().catch(() => {});
  }
}
