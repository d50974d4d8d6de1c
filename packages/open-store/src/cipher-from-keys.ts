import {
  type AesKey,
  aesGcmCipher,
  type Cipher,
  cipherRing,
  loadKeyDirectory,
  loadKeyFile,
  loadOrCreateKeyDirectory,
} from "@credstack/storage";
import { StoreConfigError } from "./errors.js";
import { type KeyRingEntry, readKeyRingFile } from "./key-ring-file.js";
import type { KeySources, KmsKeySource } from "./key-sources.js";
import { type ImportModule, loadOptional } from "./lib/load-module.js";

/** A cipher built from key sources, with a description safe to print. */
export interface KeyedCipher {
  /** The cipher: the first entry seals, every entry opens. */
  readonly cipher: Cipher;
  /** Where the keys came from, e.g. `key-ring file /run/ring (2 keys)`; never key material. */
  readonly source: string;
  /** The id of the sealing key (AES fingerprint `k-…` or the KMS key id). */
  readonly sealingKeyId: string;
  /** How many keys open records. */
  readonly keyCount: number;
  /** A key file this call created (a `file:` store's first key): tell the operator to back it up. */
  readonly createdPath?: string;
}

/** Options of {@link cipherFromKeySources}. */
export interface CipherFromKeySourcesOptions {
  /** Use this directory's key generations when `sources` names no key (a `file:` store's directory). */
  readonly defaultDirectory?: string;
  /** Create `credstack.key` in `defaultDirectory` when it holds none. @default false */
  readonly create?: boolean;
  /**
   * What needs KMS, for the "is not installed" message (`--kms-key-id` in the CLI).
   * @default "a KMS key (CREDSTACK_KMS_KEY_ID)"
   */
  readonly kmsPurpose?: string;
  /** Loads optional peers (`@credstack/kms`, `@aws-sdk/client-kms`). @internal for tests */
  readonly importModule?: ImportModule;
}

type Entry = KeyRingEntry;

async function kmsCiphers(
  ids: readonly string[],
  settings: KmsKeySource | undefined,
  importModule: ImportModule | undefined,
  purpose = "a KMS key (CREDSTACK_KMS_KEY_ID)",
): Promise<Map<string, Cipher>> {
  const result = new Map<string, Cipher>();
  if (ids.length === 0) return result;
  const packages = ["@credstack/kms", "@aws-sdk/client-kms"];
  const { kmsCipher } = await loadOptional<typeof import("@credstack/kms")>(
    "@credstack/kms",
    packages,
    purpose,
    "CREDSTACK_KMS_KEY_ID",
    importModule,
  );
  const { KMSClient } = await loadOptional<typeof import("@aws-sdk/client-kms")>(
    "@aws-sdk/client-kms",
    packages,
    purpose,
    "CREDSTACK_KMS_KEY_ID",
    importModule,
  );
  const client = new KMSClient({
    region: settings?.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(settings?.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    maxAttempts: 2,
  });
  for (const keyId of new Set(ids)) result.set(keyId, kmsCipher({ client, keyId }));
  return result;
}

/**
 * Builds the cipher of a store from its {@link KeySources}, reading every file now (call it again to
 * reload keys). Order: KMS key id, key-ring file entries, `keys`, `keyFiles`, `keyDirectory` — the first
 * seals, all open (AES keys as one key ring, KMS keys through `cipherRing`).
 * @throws StoreConfigError when no key is given (and no `defaultDirectory`), or a key cannot be read.
 */
export async function cipherFromKeySources(
  sources: KeySources,
  options: CipherFromKeySourcesOptions = {},
): Promise<KeyedCipher> {
  const entries: Entry[] = [];
  const parts: string[] = [];
  let createdPath: string | undefined;
  if (sources.kms?.keyId !== undefined) {
    entries.push({ kind: "kms", keyId: sources.kms.keyId });
    parts.push("KMS key");
  }
  if (sources.keyRingFile !== undefined) {
    const ring = await readKeyRingFile(sources.keyRingFile);
    entries.push(...ring);
    parts.push(`key-ring file ${sources.keyRingFile}`);
  }
  for (const key of sources.keys ?? []) entries.push({ kind: "aes", key });
  if ((sources.keys?.length ?? 0) > 0) parts.push(`${sources.keys?.length} key(s) from values`);
  for (const path of sources.keyFiles ?? []) entries.push({ kind: "aes", key: await loadKeyFile(path) });
  if ((sources.keyFiles?.length ?? 0) > 0) parts.push(`${sources.keyFiles?.length} key file(s)`);
  let directory = sources.keyDirectory;
  if (entries.length === 0 && directory === undefined) directory = options.defaultDirectory;
  if (directory !== undefined) {
    let keys: AesKey[];
    if (options.create === true && directory === options.defaultDirectory) {
      const created = await loadOrCreateKeyDirectory(directory);
      keys = created.keys;
      createdPath = created.createdPath;
    } else keys = await loadKeyDirectory(directory);
    if (keys.length === 0) {
      throw new StoreConfigError(
        `No key file in ${directory} (credstack.key): the store has not been created yet, or its key lives elsewhere.`,
        { source: directory },
      );
    }
    for (const key of keys) entries.push({ kind: "aes", key });
    parts.push(`key files in ${directory} (${keys.length} generation(s))`);
  }
  const [first] = entries;
  if (first === undefined) {
    throw new StoreConfigError(
      "No key: set CREDSTACK_KEY, CREDSTACK_KEY_FILE, CREDSTACK_KEY_RING_FILE or CREDSTACK_KMS_KEY_ID (or pass a key option).",
      { source: "CREDSTACK_KEY" },
    );
  }
  const kms = await kmsCiphers(
    entries.flatMap((entry) => (entry.kind === "kms" ? [entry.keyId] : [])),
    sources.kms,
    options.importModule,
    options.kmsPurpose,
  );
  const aesKeys = uniqueKeys(entries.flatMap((entry) => (entry.kind === "aes" ? [entry.key] : [])));
  const [activeAes, ...previousAes] = aesKeys;
  const aes =
    activeAes === undefined
      ? undefined
      : aesGcmCipher({ keyRing: { active: activeAes, previous: previousAes } });
  const active = first.kind === "kms" ? (kms.get(first.keyId) as Cipher) : (aes as Cipher);
  const previous = [
    ...[...kms.entries()]
      .filter(([id]) => first.kind !== "kms" || id !== first.keyId)
      .map(([, cipher]) => cipher),
    ...(first.kind === "kms" && aes !== undefined ? [aes] : []),
  ];
  return {
    cipher: previous.length === 0 ? active : cipherRing({ active, previous }),
    source: parts.join(" + "),
    sealingKeyId: first.kind === "kms" ? first.keyId : first.key.id,
    keyCount: aesKeys.length + kms.size,
    ...(createdPath === undefined ? {} : { createdPath }),
  };
}

function uniqueKeys(keys: readonly AesKey[]): AesKey[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    if (seen.has(key.id)) return false;
    seen.add(key.id);
    return true;
  });
}
