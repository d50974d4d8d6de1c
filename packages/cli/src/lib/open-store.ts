import {
  type Cipher,
  type CredentialStore,
  describeStoreUri,
  memoryStore,
  type StoreUri,
} from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
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
  /** The cipher (observing key ids), absent for `legacy:` and `memory:`. */
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
}

/** Opens a store from its URI (text or parsed) and cipher flags. */
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
  const cipher = observedCipher(choice.cipher);
  const store = await storeOf(uri, cipher, options);
  return { store, uri, label, cipher, keySource: choice.source };
}

/** Opens the backend; drivers load only when their scheme is used, so the CLI starts fast. */
async function storeOf(
  uri: StoreUri,
  cipher: ObservedCipher,
  options: OpenStoreOptions,
): Promise<CredentialStore> {
  switch (uri.kind) {
    case "file":
      return fileStore({ dir: uri.dir, cipher, fsync: options.fsync !== false });
    case "postgres": {
      const { postgresStore } = await import("@credstack/storage-postgres");
      return postgresStore({
        connectionString: uri.connectionString,
        cipher,
        ...(uri.table === undefined ? {} : { table: uri.table }),
        ...(uri.schema === undefined ? {} : { schema: uri.schema }),
      });
    }
    case "redis": {
      const [{ redisStore }, { Redis }] = await Promise.all([
        import("@credstack/storage-redis"),
        import("ioredis"),
      ]);
      const client = new Redis(uri.url, { maxRetriesPerRequest: 1, lazyConnect: true });
      client.on("error", () => {}); // failures surface as ERR_STORE_UNAVAILABLE from the store's calls
      return redisStore({
        client,
        cipher,
        closeClient: true,
        ...(uri.prefix === undefined ? {} : { prefix: uri.prefix }),
      });
    }
    default:
      throw new UsageError(`${uri.kind}: is not a sealed store.`);
  }
}
