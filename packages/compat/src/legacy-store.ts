import {
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  compareKeys,
  InvalidArgumentError,
  type ListOptions,
  listFromSorted,
  normalizeKey,
} from "@credstack/storage";
import { ReadOnlyStoreError } from "./errors.js";
import { type LegacyKeys, resolveLegacyKeys } from "./lib/legacy-keys.js";
import { type ScannedFile, scanLegacyDirectory } from "./lib/scan.js";

/** Options of {@link legacyDirectoryStore}. */
export interface LegacyDirectoryOptions {
  /** The legacy `credentials/` directory (the legacy `CREDENTIALS_DIR`). */
  readonly dir: string;
  /** The keys the legacy server had. @default {} (`<dir>/.auth_encryption_key` is still read if present) */
  readonly keys?: LegacyKeys;
  /**
   * Accounts for files whose account cannot be read from inside them, keyed by the file's path relative
   * to `dir` (`bob_at_example_com_credentials.enc`, `token_groups/photos/bob_at_example_com_backup.enc`)
   * or by its legacy safe name (`bob_at_example_com`, every file of that name). Wins over the file's
   * own `user_email`.
   * @default {}
   */
  readonly mapping?: Readonly<Record<string, string>>;
  /** The provider of records in `dir` itself. @default "google" */
  readonly provider?: string;
  /**
   * The provider of records in `token_groups/<group>/` (separately authorized services such as Photos,
   * which must not share a slot with the Workspace credential of the same account).
   * @default (group) => `${provider}-${group}`
   */
  readonly groupProvider?: (group: string) => string;
}

/** What a scan of a legacy directory found, file by file (see {@link LegacyDirectoryStore.scan}). */
export type LegacyScannedFile = ScannedFile;

/** The read-only store over a legacy directory. */
export interface LegacyDirectoryStore extends CredentialStore {
  /** Every file of the directory and what it holds; scanned once, on first use. */
  scan(): Promise<readonly LegacyScannedFile[]>;
}

/**
 * A read-only {@link CredentialStore} over the legacy server's `credentials/` directory, so `migrate()` (or
 * `importLegacy()`) can read it: plaintext `{safe}_credentials.json` in any of the three layouts,
 * `{safe}_credentials.enc` as a Fernet blob or a v2 envelope (HMAC verified, mandatory), `{safe}_backup.enc`
 * and `token_groups/<group>/`. Records are version 1 with the file's modification time. `list()` yields the
 * keys whose account is known; `get()` of a key whose file failed throws that file's typed error. `put`,
 * `delete` and `putMany` throw `ReadOnlyStoreError`. The directory is scanned once, on first use.
 *
 * @example
 * ```ts
 * import { type Cipher, migrate } from "@credstack/storage";
 * import { fileStore } from "@credstack/storage-file";
 * declare const cipher: Cipher;
 * const legacy = legacyDirectoryStore({ dir: "./credentials", keys: { mcpApiKey: process.env.MCP_API_KEY! } });
 * await migrate({ from: legacy, to: fileStore({ dir: "./store", cipher }) });
 * ```
 */
export function legacyDirectoryStore(options: LegacyDirectoryOptions): LegacyDirectoryStore {
  if (typeof options?.dir !== "string" || options.dir.length === 0) {
    throw new InvalidArgumentError("legacyDirectoryStore() needs a dir.");
  }
  const provider = options.provider ?? "google";
  normalizeKey({ provider, account: "x" });
  const groupProvider = options.groupProvider ?? ((group: string) => `${provider}-${group.toLowerCase()}`);
  let scanning: Promise<ScannedFile[]> | undefined;
  const scan = () => {
    scanning ??= resolveLegacyKeys(options.dir, options.keys).then((keys) =>
      scanLegacyDirectory({
        dir: options.dir,
        keys,
        mapping: options.mapping ?? {},
        provider,
        groupProvider,
      }),
    );
    return scanning;
  };
  let indexed: Promise<Map<string, ScannedFile>> | undefined;
  const buildIndex = async () => {
    const byKey = new Map<string, ScannedFile>();
    for (const entry of await scan()) {
      const key = entry.status === "ready" ? entry.record : entry.status === "failed" ? entry.key : undefined;
      if (key === undefined) continue;
      const id = JSON.stringify(normalizeKey(key));
      // A readable winner takes the slot; a failed file only when nothing readable holds it.
      if (entry.status === "ready" || !byKey.has(id)) byKey.set(id, entry);
    }
    return byKey;
  };
  const index = () => {
    indexed ??= buildIndex();
    return indexed;
  };

  return {
    capabilities: { lease: false, ttl: false, bulk: false },
    scan,
    async get(key: CredentialKey): Promise<CredentialRecord | undefined> {
      const entry = (await index()).get(JSON.stringify(normalizeKey(key)));
      if (entry === undefined) return undefined;
      if (entry.status === "failed") throw entry.error;
      return entry.status === "ready" ? entry.record : undefined;
    },
    async put(): Promise<never> {
      throw new ReadOnlyStoreError("put");
    },
    async delete(): Promise<never> {
      throw new ReadOnlyStoreError("delete");
    },
    list(listOptions: ListOptions = {}): AsyncIterable<CredentialKey> {
      return listFromSorted(async () => {
        const keys = [...(await index()).values()].map((entry) =>
          normalizeKey(entry.status === "ready" ? entry.record : (entry as { key: CredentialKey }).key),
        );
        return keys.sort(compareKeys);
      }, listOptions);
    },
    async close(): Promise<void> {},
  };
}
