import { resolve } from "node:path";
import { type AesKey, keyFromBase64 } from "@credstack/storage";
import { StoreConfigError } from "./errors.js";

/** KMS settings: the sealing key id (optional) and the client's endpoint and region. */
export interface KmsKeySource {
  /** Seal with AWS KMS envelope encryption under this key (id, ARN, alias). */
  readonly keyId?: string;
  /** A KMS-compatible endpoint (VPC endpoints, emulators). @default the AWS SDK's */
  readonly endpoint?: string;
  /** @default `AWS_REGION`, else `us-east-1` */
  readonly region?: string;
}

/**
 * Where a store's keys come from. Every source is optional; together they form one ordered ring — KMS
 * key id, key-ring file entries, `keys`, `keyFiles`, `keyDirectory` generations — whose **first** entry
 * seals new writes while **all** of them open. Without any source a `file:` store uses (and on first use
 * creates) the key files in its own directory (`credstack.key`, `credstack.<n>.key`); `postgres://` and
 * `redis://` stores need one.
 */
export interface KeySources {
  /** AES keys given as values, e.g. `CREDSTACK_KEY` then `CREDSTACK_PREVIOUS_KEYS`. */
  readonly keys?: readonly AesKey[];
  /** AES key files (base64 of 32 bytes, mode 0600). */
  readonly keyFiles?: readonly string[];
  /**
   * A key-ring file (mode 0600): one entry per line — a base64 AES key or `kms:<key id>` — the first
   * seals; blank lines and `#` comments are ignored. Re-read by `reloadKeys()` and watched by `watchKeys()`.
   */
  readonly keyRingFile?: string;
  /** A directory of key generations (`credstack.key`, `credstack.<n>.key`), newest first. */
  readonly keyDirectory?: string;
  /** KMS: a sealing key id and the client settings (also used by `kms:` entries of the key-ring file). */
  readonly kms?: KmsKeySource;
}

/** The environment variables {@link keySourcesFromEnv} reads, for documentation and usage lines. */
export const keyEnvironmentVariables = [
  "CREDSTACK_KEY",
  "CREDSTACK_PREVIOUS_KEYS",
  "CREDSTACK_KEY_FILE",
  "CREDSTACK_KEY_RING_FILE",
  "CREDSTACK_KMS_KEY_ID",
  "CREDSTACK_KMS_ENDPOINT",
  "CREDSTACK_KMS_REGION",
] as const;

type Env = Readonly<Record<string, string | undefined>>;

const value = (env: Env, name: string): string | undefined => {
  const text = env[name]?.trim();
  return text === undefined || text === "" ? undefined : text;
};

function keyOf(text: string, source: string): AesKey {
  try {
    return keyFromBase64(text, source);
  } catch (cause) {
    throw new StoreConfigError(`${source} must be base64 of 32 bytes.`, { cause, source });
  }
}

/**
 * The key sources an environment names — the same variables for the gateway, the CLI and
 * `@credstack/compat`'s `storeFromEnv`:
 *
 * | variable | meaning |
 * |---|---|
 * | `CREDSTACK_KEY` | AES-256 key, base64 of 32 bytes |
 * | `CREDSTACK_PREVIOUS_KEYS` | comma-separated base64 keys that only open (after a rotation) |
 * | `CREDSTACK_KEY_FILE` | comma-separated key files (0600) |
 * | `CREDSTACK_KEY_RING_FILE` | a key-ring file (reloaded without a restart) |
 * | `CREDSTACK_KMS_KEY_ID`, `CREDSTACK_KMS_ENDPOINT`, `CREDSTACK_KMS_REGION` | KMS sealing key and client |
 *
 * Relative paths are resolved against `cwd`.
 * @throws StoreConfigError naming the variable when a key is malformed.
 *
 * @example
 * ```ts
 * keySourcesFromEnv({ CREDSTACK_KEY_RING_FILE: "/run/secrets/credstack-ring" }); // { keyRingFile: "/run/…" }
 * ```
 */
export function keySourcesFromEnv(env: Env = process.env, cwd = process.cwd()): KeySources {
  const keys: AesKey[] = [];
  const inline = value(env, "CREDSTACK_KEY");
  if (inline !== undefined) keys.push(keyOf(inline, "CREDSTACK_KEY"));
  for (const [index, part] of (value(env, "CREDSTACK_PREVIOUS_KEYS") ?? "").split(",").entries()) {
    if (part.trim() !== "") keys.push(keyOf(part.trim(), `CREDSTACK_PREVIOUS_KEYS[${index}]`));
  }
  const files = (value(env, "CREDSTACK_KEY_FILE") ?? "")
    .split(",")
    .map((path) => path.trim())
    .filter(Boolean)
    .map((path) => resolve(cwd, path));
  const ring = value(env, "CREDSTACK_KEY_RING_FILE");
  const keyId = value(env, "CREDSTACK_KMS_KEY_ID");
  const endpoint = value(env, "CREDSTACK_KMS_ENDPOINT");
  const region = value(env, "CREDSTACK_KMS_REGION");
  const kms: KmsKeySource = {
    ...(keyId === undefined ? {} : { keyId }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(region === undefined ? {} : { region }),
  };
  return {
    ...(keys.length === 0 ? {} : { keys }),
    ...(files.length === 0 ? {} : { keyFiles: files }),
    ...(ring === undefined ? {} : { keyRingFile: resolve(cwd, ring) }),
    ...(Object.keys(kms).length === 0 ? {} : { kms }),
  };
}

/** True when `sources` names at least one key (KMS key id, ring file, keys, key files, key directory). */
export function hasKeys(sources: KeySources): boolean {
  return (
    sources.kms?.keyId !== undefined ||
    sources.keyRingFile !== undefined ||
    (sources.keys?.length ?? 0) > 0 ||
    (sources.keyFiles?.length ?? 0) > 0 ||
    sources.keyDirectory !== undefined
  );
}
