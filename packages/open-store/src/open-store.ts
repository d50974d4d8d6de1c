import { readFile, unwatchFile, watchFile } from "node:fs";
import { promisify } from "node:util";
import {
  type Cipher,
  type CredentialStore,
  describeStoreUri,
  formatOneCipher,
  memoryStore,
  parseStoreUri,
  type StoreUri,
} from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { cipherFromKeySources, type KeyedCipher } from "./cipher-from-keys.js";
import type { StoreClientOptions } from "./client-options.js";
import { StoreConfigError } from "./errors.js";
import type { KeySources } from "./key-sources.js";
import { type ImportModule, loadOptional } from "./lib/load-module.js";
import { type SwappableCipher, swappableCipher } from "./lib/swappable-cipher.js";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Base of relative `file:` paths. @default process.cwd() */
  readonly cwd?: string;
  /** Create a `file:` store's first key file (`credstack.key`) when it has none. @default false */
  readonly create?: boolean;
  /** Backend client settings. */
  readonly client?: StoreClientOptions;
  /** Flush `file:` writes to disk. @default true */
  readonly fsync?: boolean;
  /**
   * Create or upgrade a `postgres://` store's schema, table, trigger and migrations on first use.
   * `false` opens the table as it is and creates nothing — for a dry run, or a runtime role that may not
   * run DDL while a deploy step runs `migrateSchema`; a call on a table that does not exist then fails
   * with `ERR_STORE_UNAVAILABLE` (its `cause` is the driver's error, SQLSTATE `42P01` or `3F000`).
   * Other stores create nothing on opening and ignore it.
   * @default true
   */
  readonly migrate?: boolean;
  /** Use this cipher instead of the one the key sources give (a rotation's target ring). */
  readonly cipher?: { readonly cipher: Cipher; readonly source: string };
  /**
   * The record seal format new writes use. `1` only during a rolling upgrade from versions that cannot
   * open format 2 (it wraps the cipher in `formatOneCipher`; docs/formats.md, "Record seal formats").
   * @default 2
   */
  readonly sealFormat?: 1 | 2;
  /** Wraps the cipher before the store gets it (e.g. to observe key ids). */
  readonly wrapCipher?: (cipher: Cipher) => Cipher;
  /** Loads optional peers. @internal for tests */
  readonly importModule?: ImportModule;
}

/** The outcome of {@link OpenedStore.reloadKeys}. */
export interface KeyReload {
  /** Where the keys now come from. */
  readonly source: string;
  /** The sealing key id now (an AES fingerprint or a KMS key id; never key material). */
  readonly sealingKeyId: string;
  /** How many keys open records now. */
  readonly keyCount: number;
}

/** An opened store and what was used to open it. */
export interface OpenedStore {
  /** The store; the caller closes it. */
  readonly store: CredentialStore;
  /** The parsed URI. */
  readonly uri: StoreUri;
  /** A password-free description (`postgres://app:***@db/credstack (table=t)`). */
  readonly description: string;
  /** The cipher the store seals with (wrapped, reloadable), absent for `memory:`. */
  readonly cipher: Cipher | undefined;
  /** Where the keys came from (never key material). */
  readonly keySource: string;
  /** The sealing key id at opening, when known. */
  readonly sealingKeyId: string | undefined;
  /** Notes for the operator: a key file was created, memory loses data. */
  readonly warnings: readonly string[];
  /**
   * Re-reads the key sources (key files, key-ring file, key directory) and swaps the cipher for every
   * later call, without reopening the store. A failed reload keeps the current keys.
   * @throws StoreConfigError when the new keys cannot be read.
   */
  reloadKeys(): Promise<KeyReload>;
  /**
   * Watches the key-ring file, key files and `keyDirectory` named in the key sources and calls
   * {@link reloadKeys} when one changes (polling `fs.watchFile`, which also sees a file replaced by
   * rename). A `file:` store's own directory is not watched (records change it): reload those on demand.
   * Returns the function that stops watching; `close()` of the store does not.
   */
  watchKeys(onReload: (result: KeyReload | Error) => void, intervalMs?: number): () => void;
}

const noReload = async (): Promise<KeyReload> => {
  throw new StoreConfigError("This store has no keys to reload.");
};

/**
 * Opens the store a URI names with the keys of {@link KeySources} — the one opener of the CLI, the
 * gateway and `@credstack/compat`. URIs: `file:./dir`, `memory:`, `postgres://…[?table=&schema=&preparedStatements=false]`,
 * `redis://…[?prefix=]` / `rediss://…`; `legacy:` is refused (read-only: import it). The Postgres and
 * Redis adapters, their drivers and KMS are optional peers loaded only when used; a missing one is a
 * {@link StoreConfigError} saying what to install.
 * @throws StoreConfigError for a bad URI, missing or unreadable keys, or a missing adapter.
 *
 * @example
 * ```ts
 * import { clientOptionsFromEnv, keySourcesFromEnv, openStore } from "@credstack/open-store";
 * const opened = await openStore("memory:", keySourcesFromEnv(process.env), { client: clientOptionsFromEnv() });
 * await opened.store.close();
 * ```
 */
export async function openStore(
  text: string | StoreUri,
  keys: KeySources = {},
  options: OpenStoreOptions = {},
): Promise<OpenedStore> {
  const uri = typeof text === "string" ? parseStoreUri(text, { cwd: options.cwd ?? process.cwd() }) : text;
  const description = describeStoreUri(uri);
  const warnings: string[] = [];
  if (uri.kind === "legacy") {
    throw new StoreConfigError(
      `${description} is read-only; import it first (credstack import-legacy or importLegacy()).`,
      { source: "CREDSTACK_STORE" },
    );
  }
  if (uri.kind === "memory") {
    warnings.push("memory: store — credentials are lost when the process stops.");
    return {
      store: memoryStore(),
      uri,
      description,
      cipher: undefined,
      keySource: "none (memory)",
      sealingKeyId: undefined,
      warnings,
      reloadKeys: noReload,
      watchKeys: () => () => {},
    };
  }
  const defaultDirectory = uri.kind === "file" ? uri.dir : undefined;
  const load = (create: boolean): Promise<KeyedCipher> =>
    cipherFromKeySources(keys, {
      ...(defaultDirectory === undefined ? {} : { defaultDirectory }),
      create,
      ...(options.importModule === undefined ? {} : { importModule: options.importModule }),
    }).catch((error: unknown) => {
      if (error instanceof StoreConfigError && error.message.startsWith("No key:")) {
        throw new StoreConfigError(
          `A ${uri.kind} store needs a key: set CREDSTACK_KEY, CREDSTACK_KEY_FILE, CREDSTACK_KEY_RING_FILE or CREDSTACK_KMS_KEY_ID (or pass a key option), the same on every process.`,
          { source: "CREDSTACK_KEY" },
        );
      }
      throw error;
    });
  let first: { cipher: Cipher; source: string; sealingKeyId?: string };
  if (options.cipher !== undefined) first = options.cipher;
  else {
    const keyed = await load(options.create === true);
    if (keyed.createdPath !== undefined) {
      warnings.push(
        `Created a new store key ${keyed.createdPath}; back it up (without it the store cannot be read).`,
      );
    }
    first = keyed;
  }
  const swappable: SwappableCipher = swappableCipher(first.cipher);
  const sealing = options.sealFormat === 1 ? formatOneCipher(swappable) : swappable;
  const cipher = options.wrapCipher === undefined ? sealing : options.wrapCipher(sealing);
  const store = await backendOf(uri, cipher, options);
  let keySource = first.source;
  const reloadKeys = async (): Promise<KeyReload> => {
    if (options.cipher !== undefined)
      throw new StoreConfigError("This store was opened with a fixed cipher.");
    const keyed = await load(false);
    swappable.swap(keyed.cipher);
    keySource = keyed.source;
    return { source: keyed.source, sealingKeyId: keyed.sealingKeyId, keyCount: keyed.keyCount };
  };
  const watched = [
    ...(keys.keyRingFile === undefined ? [] : [keys.keyRingFile]),
    ...(keys.keyFiles ?? []),
    ...(keys.keyDirectory === undefined ? [] : [keys.keyDirectory]),
  ];
  return {
    store,
    uri,
    description,
    cipher,
    get keySource() {
      return keySource;
    },
    sealingKeyId: first.sealingKeyId,
    warnings,
    reloadKeys,
    watchKeys(onReload, intervalMs = 1000) {
      const paths = watched;
      const listener = (current: { mtimeMs: number }, previous: { mtimeMs: number }) => {
        if (current.mtimeMs === previous.mtimeMs) return;
        reloadKeys().then(onReload, (error: unknown) => onReload(error as Error));
      };
      for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, listener);
      return () => {
        for (const path of paths) unwatchFile(path, listener);
      };
    },
  };
}

const readText = promisify(readFile);

async function backendOf(uri: StoreUri, cipher: Cipher, options: OpenStoreOptions): Promise<CredentialStore> {
  const client = options.client ?? {};
  switch (uri.kind) {
    case "file":
      return fileStore({ dir: uri.dir, cipher, fsync: options.fsync !== false });
    case "postgres": {
      const { postgresStore } = await loadOptional<typeof import("@credstack/storage-postgres")>(
        "@credstack/storage-postgres",
        ["@credstack/storage-postgres", "pg"],
        "a postgres:// store",
        "CREDSTACK_STORE",
        options.importModule,
      );
      let connectionString = uri.connectionString;
      if (client.tlsCaFile !== undefined && !/[?&]sslrootcert=/.test(connectionString)) {
        const url = new URL(connectionString);
        url.searchParams.set("sslrootcert", client.tlsCaFile);
        connectionString = url.toString();
      }
      return postgresStore({
        connectionString,
        cipher,
        migrate: options.migrate !== false,
        ...(uri.table === undefined ? {} : { table: uri.table }),
        ...(uri.schema === undefined ? {} : { schema: uri.schema }),
        ...(uri.preparedStatements === undefined ? {} : { preparedStatements: uri.preparedStatements }),
        ...(client.poolSize === undefined ? {} : { maxConnections: client.poolSize }),
        ...(client.timeoutMs === undefined
          ? {}
          : { connectTimeoutMs: client.timeoutMs, statementTimeoutMs: client.timeoutMs }),
      });
    }
    case "redis": {
      const install = ["@credstack/storage-redis", "ioredis"];
      const { redisStore } = await loadOptional<typeof import("@credstack/storage-redis")>(
        "@credstack/storage-redis",
        install,
        "a redis:// store",
        "CREDSTACK_STORE",
        options.importModule,
      );
      const ioredis = await loadOptional<typeof import("ioredis")>(
        "ioredis",
        install,
        "a redis:// store",
        "CREDSTACK_STORE",
        options.importModule,
      );
      const ca = client.tlsCaFile === undefined ? undefined : await readText(client.tlsCaFile, "utf8");
      const redis = new ioredis.Redis(uri.url, {
        maxRetriesPerRequest: 1,
        lazyConnect: true,
        ...(client.timeoutMs === undefined ? {} : { connectTimeout: client.timeoutMs }),
        ...(ca === undefined ? {} : { tls: { ca } }),
      });
      redis.on("error", () => {}); // failures surface as ERR_STORE_UNAVAILABLE from the store's calls
      return redisStore({
        client: redis,
        cipher,
        closeClient: true,
        ...(uri.prefix === undefined ? {} : { prefix: uri.prefix }),
        ...(client.timeoutMs === undefined ? {} : { commandTimeoutMs: client.timeoutMs }),
      });
    }
    default:
      throw new StoreConfigError(`${describeStoreUri(uri)} is not a sealed store.`);
  }
}
