import { mkdir } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import {
  type AesKey,
  aesGcmCipher,
  type Cipher,
  type CredentialStore,
  keyFromBase64,
  loadKeyFile,
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

async function cipherFor(
  env: Env,
  cwd: string,
  dir: string | undefined,
  warnings: string[],
): Promise<Cipher> {
  let key: AesKey;
  const inline = value(env, "CREDSTACK_KEY");
  const file = value(env, "CREDSTACK_KEY_FILE");
  if (inline !== undefined) {
    try {
      key = keyFromBase64(inline, "CREDSTACK_KEY");
    } catch (cause) {
      throw new LegacyConfigError("CREDSTACK_KEY", "must be base64 of 32 bytes.", { cause });
    }
  } else if (file !== undefined) {
    key = await loadKeyFile(resolve(cwd, file));
  } else if (dir !== undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const created = await loadOrCreateKeyFile(join(dir, keyFileName));
    key = created.key;
    if (created.created) warnings.push(`Created a new store key in ${join(dir, keyFileName)}; back it up.`);
  } else {
    throw new LegacyConfigError(
      "CREDSTACK_KEY",
      "a shared store (postgres, redis) needs CREDSTACK_KEY or CREDSTACK_KEY_FILE; a local key file would lock out other instances.",
    );
  }
  return aesGcmCipher({ keyRing: { active: key } });
}

async function load(
  options: StoreFromEnvOptions,
  specifier: string,
  install: string,
): Promise<Record<string, unknown>> {
  try {
    return (await (options.importModule ?? ((s: string) => import(s)))(specifier)) as Record<string, unknown>;
  } catch (cause) {
    throw new LegacyConfigError("CREDSTACK_STORE", `this store needs ${install}: install ${install}.`, {
      cause,
    });
  }
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
  if (uri.kind === "memory") {
    warnings.push("CREDSTACK_STORE=memory: credentials are lost when the process exits.");
    return { store: memoryStore(), kind: "memory" };
  }
  if (uri.kind === "file") {
    const cipher = await cipherFor(env, cwd, uri.dir, warnings);
    return { store: fileStore({ dir: uri.dir, cipher }), kind: "file", storeDir: uri.dir };
  }
  if (uri.kind === "legacy") {
    throw new LegacyConfigError(
      "CREDSTACK_STORE",
      "legacy: directories are read-only; import them with importLegacy() or `credstack import-legacy`.",
    );
  }
  if (uri.kind === "postgres") {
    const { table, schema } = uri;
    const cipher = await cipherFor(env, cwd, undefined, warnings);
    const adapter = await load(options, "@credstack/storage-postgres", "@credstack/storage-postgres and pg");
    const open = adapter.postgresStore as (o: object) => CredentialStore;
    const store = open({
      connectionString: uri.connectionString,
      cipher,
      ...(table === undefined ? {} : { table }),
      ...(schema === undefined ? {} : { schema }),
    });
    return { store, kind: "postgres" };
  }
  const { prefix } = uri;
  const cipher = await cipherFor(env, cwd, undefined, warnings);
  const ioredis = await load(options, "ioredis", "ioredis");
  const adapter = await load(options, "@credstack/storage-redis", "@credstack/storage-redis and ioredis");
  const Redis = (ioredis.Redis ?? ioredis.default) as new (url: string, o: object) => unknown;
  const client = new Redis(uri.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const open = adapter.redisStore as (o: object) => CredentialStore;
  const store = open({ client, cipher, closeClient: true, ...(prefix === undefined ? {} : { prefix }) });
  return { store, kind: "redis" };
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
 * Keys: `CREDSTACK_KEY` (base64 of 32 bytes), else `CREDSTACK_KEY_FILE`, else (file modes only)
 * `CREDENTIALS_DIR/.credstack_key`, created on first use. Postgres and Redis adapters are optional peers,
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
