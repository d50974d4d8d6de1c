import {
  clientOptionsFromEnv,
  type KeyReload,
  keySourcesFromEnv,
  openStore as openStoreWithKeys,
  sealFormatFromEnv,
} from "@credstack/open-store";
import { type CredentialStore, parseStoreUri, type StoreUri } from "@credstack/storage";
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
  /** Where the keys come from (never key material). */
  readonly keySource: string;
  /** Re-reads the key sources and uses the new keys for every later call (`SIGHUP`). */
  reloadKeys(): Promise<KeyReload>;
  /** Reloads keys when the key-ring file, a key file or the key directory changes; returns the stop. */
  watchKeys(onReload: (result: KeyReload | Error) => void, intervalMs?: number): () => void;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Opens the store a URI names with `@credstack/open-store` — the same URIs, keys and client options as
 * the CLI and `@credstack/compat`: `file:./dir` (the default `file:.credstack`), `memory:`,
 * `postgres://…[?table=…&schema=…]`, `redis://…[?prefix=…]`. Keys from the environment
 * (`CREDSTACK_KEY` + `CREDSTACK_PREVIOUS_KEYS`, `CREDSTACK_KEY_FILE`, `CREDSTACK_KEY_RING_FILE`,
 * `CREDSTACK_KMS_KEY_ID`/`_ENDPOINT`/`_REGION`), else (file stores only) the store directory's key
 * generations, created on first use. Client options: `CREDSTACK_STORE_TIMEOUT_MS`, `CREDSTACK_PG_POOL`,
 * `CREDSTACK_STORE_TLS_CA_FILE`; `CREDSTACK_SEAL_FORMAT=1` during a rolling upgrade (docs/operations.md).
 * @throws GatewayConfigError for a bad URI; StoreConfigError (`ERR_INVALID_CONFIG`) for missing keys.
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
  if (uri.kind === "legacy") {
    throw new GatewayConfigError(
      "CREDSTACK_STORE: a legacy: directory is read-only; import it first (credstack import-legacy).",
    );
  }
  const opened = await openStoreWithKeys(uri, keySourcesFromEnv(env, cwd), {
    cwd,
    create: true,
    client: clientOptionsFromEnv(env, cwd),
    sealFormat: sealFormatFromEnv(env),
  });
  const warnings =
    uri.kind === "memory"
      ? ["memory: store — credentials are lost when the gateway stops."]
      : opened.warnings;
  return {
    store: opened.store,
    kind: uri.kind,
    description: opened.description,
    ...(uri.kind === "file" ? { dir: uri.dir } : {}),
    warnings,
    get keySource() {
      return opened.keySource;
    },
    reloadKeys: () => opened.reloadKeys(),
    watchKeys: (onReload, intervalMs) => opened.watchKeys(onReload, intervalMs),
  };
}
