import { resolve } from "node:path";
import {
  type AesKey,
  aesGcmCipher,
  type Cipher,
  type CredentialStore,
  describeStoreUri,
  keyFromBase64,
  loadKeyFile,
  loadOrCreateKeyDirectory,
  memoryStore,
  parseStoreUri,
  type StoreUri,
} from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { GatewayConfigError } from "./errors.js";

/** An opened store and what to say about it. */
export interface OpenedStore {
  readonly store: CredentialStore;
  /** `file`, `memory`, `postgres` or `redis`. */
  readonly kind: "file" | "memory" | "postgres" | "redis";
  /** A password-free description (`file:/srv/.credstack`, `postgres://app:***@db/credstack`). */
  readonly description: string;
  /** The file store's directory (file stores only). */
  readonly dir?: string;
  /** Notes for the operator (a key file was created, memory loses data). */
  readonly warnings: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

async function sharedCipher(env: Env, cwd: string): Promise<Cipher> {
  const inline = env.CREDSTACK_KEY?.trim();
  const file = env.CREDSTACK_KEY_FILE?.trim();
  if (inline) return aesGcmCipher({ keyRing: { active: keyFromBase64(inline, "CREDSTACK_KEY") } });
  if (file) return aesGcmCipher({ keyRing: { active: await loadKeyFile(resolve(cwd, file)) } });
  throw new GatewayConfigError(
    "A shared store (postgres, redis) needs CREDSTACK_KEY (base64 of 32 bytes) or CREDSTACK_KEY_FILE, the same on every replica.",
  );
}

/**
 * Opens the store a URI names (parsed by `@credstack/storage`'s `parseStoreUri`): `file:./dir` (the
 * default `file:.credstack`), `memory:`, `postgres://…[?table=…&schema=…]`, `redis://…[?prefix=…]`. Keys:
 * `CREDSTACK_KEY`, else `CREDSTACK_KEY_FILE`, else (file stores only) the store directory's key files
 * (`credstack.key`, `credstack.<n>.key` — the CLI's rotation adds them), created on first use.
 * @throws GatewayConfigError for a bad or unsupported URI or a missing key.
 */
export async function openStore(
  text: string,
  env: Env = process.env,
  cwd = process.cwd(),
): Promise<OpenedStore> {
  let uri: StoreUri;
  try {
    uri = parseStoreUri(text, { cwd });
  } catch (cause) {
    throw new GatewayConfigError(`CREDSTACK_STORE: ${(cause as Error).message}`, { cause });
  }
  const description = describeStoreUri(uri);
  const warnings: string[] = [];
  switch (uri.kind) {
    case "memory":
      warnings.push("memory: store — credentials are lost when the gateway stops.");
      return { store: memoryStore(), kind: "memory", description, warnings };
    case "file": {
      let cipher: Cipher;
      if (env.CREDSTACK_KEY?.trim() || env.CREDSTACK_KEY_FILE?.trim()) cipher = await sharedCipher(env, cwd);
      else {
        const { keys, createdPath } = await loadOrCreateKeyDirectory(uri.dir);
        if (createdPath !== undefined) {
          warnings.push(
            `Created a new store key ${createdPath}; back it up (without it the store cannot be read).`,
          );
        }
        cipher = aesGcmCipher({ keyRing: { active: keys[0] as AesKey, previous: keys.slice(1) } });
      }
      return {
        store: fileStore({ dir: uri.dir, cipher }),
        kind: "file",
        description,
        dir: uri.dir,
        warnings,
      };
    }
    case "postgres": {
      const { postgresStore } = await import("@credstack/storage-postgres");
      const store = postgresStore({
        connectionString: uri.connectionString,
        cipher: await sharedCipher(env, cwd),
        ...(uri.table === undefined ? {} : { table: uri.table }),
        ...(uri.schema === undefined ? {} : { schema: uri.schema }),
        ...(env.CREDSTACK_PG_POOL === undefined ? {} : { maxConnections: Number(env.CREDSTACK_PG_POOL) }),
      });
      return { store, kind: "postgres", description, warnings };
    }
    case "redis": {
      const [{ redisStore }, { Redis }] = await Promise.all([
        import("@credstack/storage-redis"),
        import("ioredis"),
      ]);
      const client = new Redis(uri.url, { maxRetriesPerRequest: 1 });
      const store = redisStore({
        client,
        cipher: await sharedCipher(env, cwd),
        closeClient: true,
        ...(uri.prefix === undefined ? {} : { prefix: uri.prefix }),
      });
      return { store, kind: "redis", description, warnings };
    }
    case "legacy":
      throw new GatewayConfigError(
        "CREDSTACK_STORE: a legacy: directory is read-only; import it first (credstack import-legacy).",
      );
  }
}
