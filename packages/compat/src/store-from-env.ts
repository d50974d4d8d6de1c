import { mkdir } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import {
  cipherFromKeySources,
  clientOptionsFromEnv,
  hasKeys,
  type KeySources,
  keySourcesFromEnv,
  openStore,
  StoreConfigError,
} from "@credstack/open-store";
import {
  aesGcmCipher,
  type Cipher,
  type CredentialStore,
  loadOrCreateKeyFile,
  memoryStore,
  parseStoreUri,
  type StoreUri,
  withBackup,
} from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { LegacyConfigError } from "./errors.js";

/** The legacy `CREDENTIAL_STORAGE_MODE` values. */
export type LegacyStorageMode = "FILE_PLAINTEXT" | "FILE_ENCRYPTED" | "MEMORY_ONLY" | "MEMORY_WITH_BACKUP";

/** Which backend {@link storeFromEnv} opened. */
export type StoreKind = "file" | "file-plaintext" | "memory" | "memory-with-backup" | "postgres" | "redis";

/** Options of {@link storeFromEnv}. */
export interface StoreFromEnvOptions {
  /** Base of relative paths (`CREDENTIALS_DIR`, `file:./dir`). @default process.cwd() */
  readonly cwd?: string;
  /** Loads an optional adapter module; for tests. @default (specifier) => import(specifier) @internal */
  readonly importModule?: (specifier: string) => Promise<unknown>;
}

/** Session settings mapped from the legacy variables, for the credstack session store / resolver. */
export interface MappedSessionOptions {
  /** From `SESSION_TIMEOUT_MINUTES`: idle timeout. @default 3600000 (the legacy 60 minutes) */
  readonly idleTimeoutMs: number;
  /** From `MAX_SESSION_LIFETIME_HOURS`: absolute lifetime. @default 86400000 (the legacy 24 hours) */
  readonly maxLifetimeMs: number;
}

/** What {@link storeFromEnv} returns. */
export interface StoreFromEnv {
  /** The opened store; the caller closes it. */
  readonly store: CredentialStore;
  /** The backend. */
  readonly kind: StoreKind;
  /** The legacy mode it came from (absent when `CREDSTACK_STORE` chose the store). */
  readonly legacyMode?: LegacyStorageMode;
  /** The legacy credentials directory (`CREDENTIALS_DIR`, absolute), to pass to `importLegacy({ dir })`. */
  readonly legacyDir: string;
  /** Where the file store keeps its files (file modes). */
  readonly storeDir?: string;
  /** Session settings. */
  readonly sessions: MappedSessionOptions;
  /** Things the operator should know (plaintext storage, ignored variables, a key file created, ...). */
  readonly warnings: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const modes: readonly LegacyStorageMode[] = [
  "FILE_PLAINTEXT",
  "FILE_ENCRYPTED",
  "MEMORY_ONLY",
  "MEMORY_WITH_BACKUP",
];

/** Subdirectory of `CREDENTIALS_DIR` holding the credstack file store, apart from the legacy files. */
export const storeSubdirectory = "credstack";
/** Key file created in `CREDENTIALS_DIR` when no `CREDSTACK_KEY` / `CREDSTACK_KEY_FILE` is set (file modes). */
export const keyFileName = ".credstack_key";

const value = (env: Env, name: string): string | undefined => {
  const text = env[name];
  return text === undefined || text.trim() === "" ? undefined : text.trim();
};

function positive(env: Env, name: string, fallback: number, unitMs: number): number {
  const text = value(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text) * unitMs)) {
    throw new LegacyConfigError(name, "must be a positive whole number.");
  }
  return Number(text) * unitMs;
}

/** Parses `CREDENTIAL_STORAGE_MODE` (any case); an invalid value is an error, never a default. @internal */
export function parseLegacyMode(env: Env): LegacyStorageMode | undefined {
  const text = value(env, "CREDENTIAL_STORAGE_MODE");
  if (text === undefined) return undefined;
  const mode = text.toUpperCase() as LegacyStorageMode;
  if (!modes.includes(mode)) {
    throw new LegacyConfigError("CREDENTIAL_STORAGE_MODE", `must be one of ${modes.join(", ")} (any case).`);
  }
  return mode;
}

/** Re-labels `@credstack/open-store`'s configuration errors with the variable at fault. */
function asLegacy(error: unknown, fallback: string): never {
  if (error instanceof StoreConfigError) {
    throw new LegacyConfigError(
      error.source?.startsWith("CREDSTACK_") ? error.source : fallback,
      error.message,
      {
        cause: error,
      },
    );
  }
  throw error;
}

async function cipherFor(
  env: Env,
  cwd: string,
  dir: string | undefined,
  warnings: string[],
): Promise<Cipher> {
  let sources: KeySources;
  try {
    sources = keySourcesFromEnv(env, cwd);
  } catch (error) {
    asLegacy(error, "CREDSTACK_KEY");
  }
  if (hasKeys(sources)) {
    return (await cipherFromKeySources(sources).catch((error: unknown) => asLegacy(error, "CREDSTACK_KEY")))
      .cipher;
  }
  if (dir === undefined) {
    throw new LegacyConfigError(
      "CREDSTACK_KEY",
      "a shared store (postgres, redis) needs CREDSTACK_KEY, CREDSTACK_KEY_FILE, CREDSTACK_KEY_RING_FILE or CREDSTACK_KMS_KEY_ID; a local key file would lock out other instances.",
    );
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const created = await loadOrCreateKeyFile(join(dir, keyFileName));
  if (created.created) warnings.push(`Created a new store key in ${join(dir, keyFileName)}; back it up.`);
  return aesGcmCipher({ keyRing: { active: created.key } });
}

async function fromUrl(
  text: string,
  env: Env,
  cwd: string,
  options: StoreFromEnvOptions,
  warnings: string[],
): Promise<Pick<StoreFromEnv, "store" | "kind" | "storeDir">> {
  let uri: StoreUri;
  try {
    uri = parseStoreUri(text, { cwd });
  } catch (cause) {
    throw new LegacyConfigError("CREDSTACK_STORE", `is not a store URI: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (uri.kind === "legacy") {
    throw new LegacyConfigError(
      "CREDSTACK_STORE",
      "legacy: directories are read-only; import them with importLegacy() or `credstack import-legacy`.",
    );
  }
  let keys: KeySources;
  try {
    keys = keySourcesFromEnv(env, cwd);
  } catch (error) {
    asLegacy(error, "CREDSTACK_KEY");
  }
  const opened = await openStore(uri, keys, {
    cwd,
    create: true,
    client: clientOptionsFromEnv(env, cwd),
    ...(options.importModule === undefined ? {} : { importModule: options.importModule }),
  }).catch((error: unknown) => asLegacy(error, "CREDSTACK_STORE"));
  if (uri.kind === "memory") {
    warnings.push("CREDSTACK_STORE=memory: credentials are lost when the process exits.");
  } else warnings.push(...opened.warnings);
  return { store: opened.store, kind: uri.kind, ...(uri.kind === "file" ? { storeDir: uri.dir } : {}) };
}

/**
 * Opens the credstack store a legacy deployment's environment describes, so the same `.env` keeps working.
 * `CREDSTACK_STORE` (a URL: `file:./dir`, `memory:`, `postgres://…?table=&schema=`, `redis://…?prefix=`)
 * wins; otherwise `CREDENTIAL_STORAGE_MODE` (any case, default `FILE_ENCRYPTED` as in the legacy server):
 *
 * | legacy mode | credstack store |
 * |---|---|
 * | `FILE_ENCRYPTED` | `fileStore` in `CREDENTIALS_DIR/credstack`, AES-256-GCM |
 * | `FILE_PLAINTEXT` | `fileStore` in `CREDENTIALS_DIR/credstack` with `insecurePlaintext` (warns) |
 * | `MEMORY_ONLY` | `memoryStore()` |
 * | `MEMORY_WITH_BACKUP` | `withBackup(memoryStore(), fileStore(...encrypted...))` |
 *
 * A `CREDSTACK_STORE` URI is opened by `@credstack/open-store`, exactly as the gateway and the CLI open
 * it: keys from `CREDSTACK_KEY` (+ `CREDSTACK_PREVIOUS_KEYS`), `CREDSTACK_KEY_FILE`,
 * `CREDSTACK_KEY_RING_FILE`, `CREDSTACK_KMS_KEY_ID` (+ `_ENDPOINT`, `_REGION`), else (a `file:` URI) the
 * key generations in its directory. The legacy file modes use the same variables, else
 * `CREDENTIALS_DIR/.credstack_key`, created on first use. Postgres, Redis and KMS are optional peers,
 * loaded on demand. Invalid values are `LegacyConfigError` (`ERR_INVALID_CONFIG`) naming the variable.
 *
 * @example
 * ```ts
 * const { store, legacyDir, warnings } = await storeFromEnv(process.env);
 * for (const w of warnings) console.warn(w);
 * await importLegacy({ dir: legacyDir, to: store });
 * ```
 */
export async function storeFromEnv(
  env: Env = process.env,
  options: StoreFromEnvOptions = {},
): Promise<StoreFromEnv> {
  const cwd = options.cwd ?? process.cwd();
  const warnings: string[] = [];
  const dirText = value(env, "CREDENTIALS_DIR") ?? "credentials";
  const legacyDir = isAbsolute(dirText) ? dirText : resolve(cwd, dirText);
  const sessions: MappedSessionOptions = {
    idleTimeoutMs: positive(env, "SESSION_TIMEOUT_MINUTES", 3_600_000, 60_000),
    maxLifetimeMs: positive(env, "MAX_SESSION_LIFETIME_HOURS", 86_400_000, 3_600_000),
  };
  const legacyMode = parseLegacyMode(env);
  const url = value(env, "CREDSTACK_STORE");
  if (url !== undefined) {
    if (legacyMode !== undefined)
      warnings.push("CREDENTIAL_STORAGE_MODE is ignored: CREDSTACK_STORE is set.");
    const opened = await fromUrl(url, env, cwd, options, warnings);
    return { ...opened, legacyDir, sessions, warnings };
  }
  const mode = legacyMode ?? "FILE_ENCRYPTED";
  const storeDir = join(legacyDir, storeSubdirectory);
  const base = { legacyMode: mode, legacyDir, sessions, warnings };
  switch (mode) {
    case "MEMORY_ONLY":
      warnings.push("MEMORY_ONLY: credentials are lost when the process exits (as in the legacy server).");
      return { ...base, store: memoryStore(), kind: "memory" };
    case "FILE_PLAINTEXT":
      warnings.push(
        "FILE_PLAINTEXT: secrets are stored unencrypted; set CREDENTIAL_STORAGE_MODE=FILE_ENCRYPTED.",
      );
      return {
        ...base,
        store: fileStore({ dir: storeDir, insecurePlaintext: true }),
        kind: "file-plaintext",
        storeDir,
      };
    case "FILE_ENCRYPTED": {
      const cipher = await cipherFor(env, cwd, legacyDir, warnings);
      return { ...base, store: fileStore({ dir: storeDir, cipher }), kind: "file", storeDir };
    }
    case "MEMORY_WITH_BACKUP": {
      const cipher = await cipherFor(env, cwd, legacyDir, warnings);
      const store = withBackup(memoryStore(), fileStore({ dir: storeDir, cipher }));
      return { ...base, store, kind: "memory-with-backup", storeDir };
    }
  }
}
