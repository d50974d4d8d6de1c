import { clientOptionsFromEnv, openStore as openSharedStore } from "@credstack/open-store";
import {
  type Cipher,
  type CredentialStore,
  describeStoreUri,
  memoryStore,
  type StoreUri,
} from "@credstack/storage";
import { UsageError } from "../io.js";
import { type CipherFlags, cipherFor } from "./cipher-options.js";
import { type ObservedCipher, observedCipher } from "./observed-cipher.js";
import { parseStoreUri } from "./store-uri.js";

/** An opened store with what was used to open it. */
export interface OpenedStore {
  /** The store. */
  readonly store: CredentialStore;
  /** The parsed URI. */
  readonly uri: StoreUri;
  /** A password-free description. */
  readonly label: string;
  /** The cipher (observing key ids), absent for `legacy:` and `memory:`, and when `observe` is false. */
  readonly cipher: ObservedCipher | undefined;
  /** Where the keys came from. */
  readonly keySource: string;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Cipher flags. */
  readonly flags: CipherFlags;
  /** The command writes: create a `file:` store's key file on first use. @default false */
  readonly create?: boolean;
  /** Refuse read-only stores (`legacy:`). @default false */
  readonly writable?: boolean;
  /** Use this cipher instead of the one the flags choose (rotation). */
  readonly cipher?: { readonly cipher: Cipher; readonly source: string };
  /** Flush file writes to disk. @default true */
  readonly fsync?: boolean;
  /**
   * Wrap the cipher to remember which key sealed each record read (`inspect`, `doctor`). Bulk commands
   * that never ask (`migrate`) turn it off: it costs a map entry per record read.
   * @default true
   */
  readonly observe?: boolean;
}

/**
 * Opens a store from its URI (text or parsed) and cipher flags with `@credstack/open-store` — the same
 * opener, keys and client options (`CREDSTACK_STORE_TIMEOUT_MS`, `CREDSTACK_PG_POOL`,
 * `CREDSTACK_STORE_TLS_CA_FILE`) as the gateway; `legacy:` is read here (through compat).
 */
export async function openStore(text: string | StoreUri, options: OpenStoreOptions): Promise<OpenedStore> {
  const uri = typeof text === "string" ? parseStoreUri(text) : text;
  const label = describeStoreUri(uri);
  if (uri.kind === "legacy") {
    if (options.writable) throw new UsageError(`${label} is read-only; it can only be a source.`);
    const { openLegacyStore } = await import("./legacy-store.js");
    return { store: await openLegacyStore(uri.dir), uri, label, cipher: undefined, keySource: "legacy keys" };
  }
  if (uri.kind === "memory") {
    return { store: memoryStore(), uri, label, cipher: undefined, keySource: "none (memory)" };
  }
  const choice = options.cipher ?? (await cipherFor(uri, options.flags, { create: options.create === true }));
  if (choice === undefined) throw new UsageError(`${label} needs a cipher.`);
  let cipher: ObservedCipher | undefined;
  const opened = await openSharedStore(
    uri,
    {},
    {
      cipher: choice,
      ...(options.observe === false
        ? {}
        : {
            wrapCipher: (inner: Cipher) => {
              cipher = observedCipher(inner);
              return cipher;
            },
          }),
      fsync: options.fsync !== false,
      client: clientOptionsFromEnv(),
    },
  );
  return { store: opened.store, uri, label, cipher, keySource: choice.source };
}
