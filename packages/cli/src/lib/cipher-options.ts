import {
  cipherFromKeySources,
  hasKeys,
  type KeySources,
  type KmsKeySource,
  keySourcesFromEnv,
} from "@credstack/open-store";
import {
  type AesKey,
  aesGcmCipher,
  type Cipher,
  listKeyFiles,
  loadKeyFromEnv,
  type StoreUri,
} from "@credstack/storage";
import { UsageError } from "../io.js";

/** The cipher options every store-opening command takes (docs/cli.md, "Keys and ciphers"). */
export const cipherOptionSpec = {
  "key-file": { type: "string", multiple: true },
  "key-env": { type: "string" },
  "kms-key-id": { type: "string" },
  "kms-endpoint": { type: "string" },
  "kms-region": { type: "string" },
} as const;

/** Cipher options as given on the command line. */
export interface CipherFlags {
  /** `--key-file`, repeatable: the first seals (unless `--key-env`/`--kms-key-id`), the rest only open. */
  readonly keyFiles: readonly string[];
  /** `--key-env NAME`: base64 key in that environment variable; seals when given (unless KMS). */
  readonly keyEnv?: string | undefined;
  /** `--kms-key-id`: seal with AWS KMS under this key; AES keys given too stay readable. */
  readonly kmsKeyId?: string | undefined;
  /** `--kms-endpoint`: a KMS-compatible endpoint (tests, VPC endpoints). */
  readonly kmsEndpoint?: string | undefined;
  /** `--kms-region` (else `AWS_REGION`, else us-east-1). */
  readonly kmsRegion?: string | undefined;
}

/** Reads {@link CipherFlags} from parsed values, with an optional prefix (`from-`, `to-`). */
export function cipherFlagsOf(values: Record<string, unknown>, prefix = ""): CipherFlags {
  const text = (name: string) => values[`${prefix}${name}`] as string | undefined;
  return {
    keyFiles: (values[`${prefix}key-file`] as string[] | undefined) ?? [],
    keyEnv: text("key-env"),
    kmsKeyId: text("kms-key-id"),
    kmsEndpoint: (values["kms-endpoint"] as string | undefined) ?? undefined,
    kmsRegion: (values["kms-region"] as string | undefined) ?? undefined,
  };
}

/** True when no cipher option was given. */
export const noCipherFlags = (flags: CipherFlags): boolean =>
  flags.keyFiles.length === 0 && flags.keyEnv === undefined && flags.kmsKeyId === undefined;

/**
 * True when the flags or, without flags, the environment (`CREDSTACK_KEY`, `CREDSTACK_KEY_FILE`,
 * `CREDSTACK_KEY_RING_FILE`, `CREDSTACK_KMS_KEY_ID`) name a key. A `file:` store without any uses the key
 * files in its own directory.
 * @throws StoreConfigError (`ERR_INVALID_CONFIG`) naming the variable when a key variable is malformed.
 */
export function keysGiven(flags: CipherFlags, env: Env = process.env): boolean {
  return !noCipherFlags(flags) || hasKeys(keySourcesFromEnv(env));
}

/** The KMS key id that would seal: `--kms-key-id`, else (without cipher options) `CREDSTACK_KMS_KEY_ID`. */
export function sealingKmsKeyIdOf(flags: CipherFlags, env: Env = process.env): string | undefined {
  return noCipherFlags(flags) ? keySourcesFromEnv(env).kms?.keyId : flags.kmsKeyId;
}

/**
 * A KMS cipher for a key id, with the client options from the flags (or `CREDSTACK_KMS_ENDPOINT` /
 * `CREDSTACK_KMS_REGION`). `@credstack/open-store` loads the AWS SDK only here.
 * @throws StoreConfigError (`ERR_INVALID_CONFIG`) saying what to install when KMS packages are missing.
 */
export async function kmsCipherOf(flags: CipherFlags, keyId: string): Promise<Cipher> {
  return (await cipherFromKeySources({ kms: { ...kmsSettingsOf(flags), keyId } }, { kmsPurpose })).cipher;
}

/** Named in the message when the optional KMS packages are missing. */
const kmsPurpose = "--kms-key-id";

function kmsSettingsOf(flags: CipherFlags, env: Env = process.env): KmsKeySource {
  const endpoint = flags.kmsEndpoint ?? env.CREDSTACK_KMS_ENDPOINT;
  const region = flags.kmsRegion ?? env.CREDSTACK_KMS_REGION;
  return { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
}

type Env = Readonly<Record<string, string | undefined>>;

/** The key sources the flags name (`--key-env` first, then `--key-file`s; `--kms-key-id` seals). */
export function keySourcesOf(flags: CipherFlags): KeySources {
  const kms = { ...kmsSettingsOf(flags), ...(flags.kmsKeyId === undefined ? {} : { keyId: flags.kmsKeyId }) };
  return {
    ...(flags.keyEnv === undefined ? {} : { keys: [loadKeyFromEnv(flags.keyEnv)] }),
    ...(flags.keyFiles.length === 0 ? {} : { keyFiles: flags.keyFiles }),
    kms,
  };
}

/** A key ring cipher; the first key seals. */
export function aesCipherOf(keys: readonly AesKey[]): Cipher {
  const [active, ...previous] = keys;
  if (active === undefined) throw new UsageError("No key given.");
  return aesGcmCipher({ keyRing: { active, previous } });
}

/** How a store's cipher was chosen, for printing (never key material). */
export interface CipherChoice {
  /** The cipher to open the store with. */
  readonly cipher: Cipher;
  /** Where the keys came from, e.g. `key files in .credstack (2 generations)`. */
  readonly source: string;
}

/**
 * The cipher for a store, from `@credstack/open-store`'s key sources: the explicit flags; else the
 * environment (`CREDSTACK_KEY` + `CREDSTACK_PREVIOUS_KEYS`, `CREDSTACK_KEY_FILE`,
 * `CREDSTACK_KEY_RING_FILE`, `CREDSTACK_KMS_KEY_ID`), as the gateway reads it; else, for `file:` stores,
 * the key files in the store's directory (created on first use when `create`).
 * @throws UsageError when a postgres/redis store has no key at all, or a `file:` store has no key file to read.
 */
export async function cipherFor(
  uri: StoreUri,
  flags: CipherFlags,
  options: { create: boolean },
  env: Env = process.env,
): Promise<CipherChoice | undefined> {
  if (uri.kind === "legacy" || uri.kind === "memory") return undefined;
  const sources = noCipherFlags(flags)
    ? { ...keySourcesFromEnv(env), kms: { ...keySourcesFromEnv(env).kms, ...kmsSettingsOf(flags, env) } }
    : keySourcesOf(flags);
  if (!hasKeys(sources)) {
    if (uri.kind !== "file") {
      throw new UsageError(
        `A ${uri.kind} store needs a cipher: pass --key-file <path>, --key-env <VAR> or --kms-key-id <id>, or set CREDSTACK_KEY, CREDSTACK_KEY_FILE, CREDSTACK_KEY_RING_FILE or CREDSTACK_KMS_KEY_ID.`,
      );
    }
    if (!options.create && (await listKeyFiles(uri.dir)).length === 0) {
      throw new UsageError(
        `No key file in ${uri.dir} (credstack.key): the store has not been created yet; pass --key-file if its key lives elsewhere.`,
      );
    }
  }
  const keyed = await cipherFromKeySources(sources, {
    ...(uri.kind === "file" ? { defaultDirectory: uri.dir } : {}),
    create: options.create,
    kmsPurpose: noCipherFlags(flags) ? "CREDSTACK_KMS_KEY_ID" : kmsPurpose,
  });
  return { cipher: keyed.cipher, source: keyed.source };
}
