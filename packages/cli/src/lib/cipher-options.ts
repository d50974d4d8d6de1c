import { CredstackError } from "@credstack/errors";
import {
  type AesKey,
  aesGcmCipher,
  type Cipher,
  cipherRing,
  loadKeyDirectory,
  loadKeyFile,
  loadKeyFromEnv,
  loadOrCreateKeyDirectory,
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

/** The optional peers `--kms-key-id` needs; the CLI installs without them. */
export const kmsPackages = ["@credstack/kms", "@aws-sdk/client-kms"] as const;

/**
 * Runs `load` (an import of {@link kmsPackages}); when one of them is not installed (`@credstack/kms`
 * imports the AWS SDK in turn), a `CredstackError` (`ERR_INVALID_CONFIG`) saying what to install.
 */
async function importKmsPackage<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const message = String((error as Error).message);
    const missing = kmsPackages.find((name) => message.includes(`'${name}'`));
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND" || missing === undefined) throw error;
    throw new CredstackError(
      "ERR_INVALID_CONFIG",
      `${missing} is not installed: install ${kmsPackages.join(" and ")} to use --kms-key-id (npm install ${kmsPackages.join(" ")}).`,
      { cause: error },
    );
  }
}

/**
 * A KMS cipher for a key id, with the client options from the flags. The AWS SDK and `@credstack/kms` are
 * optional peers of the CLI, loaded only here.
 * @throws CredstackError `ERR_INVALID_CONFIG` when either package is not installed.
 */
export async function kmsCipherOf(flags: CipherFlags, keyId: string): Promise<Cipher> {
  const { kmsCipher } = await importKmsPackage(() => import("@credstack/kms"));
  const { KMSClient } = await importKmsPackage(() => import("@aws-sdk/client-kms"));
  const client = new KMSClient({
    region: flags.kmsRegion ?? process.env.AWS_REGION ?? "us-east-1",
    ...(flags.kmsEndpoint === undefined ? {} : { endpoint: flags.kmsEndpoint }),
    maxAttempts: 2,
  });
  return kmsCipher({ client, keyId });
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
 * The cipher for a store: the explicit flags, or — for `file:` stores without flags — the key files in
 * the store's directory (created on first use when `create`).
 * @throws UsageError when a postgres/redis store has no cipher option.
 */
export async function cipherFor(
  uri: StoreUri,
  flags: CipherFlags,
  options: { create: boolean },
): Promise<CipherChoice | undefined> {
  if (uri.kind === "legacy" || uri.kind === "memory") return undefined;
  if (noCipherFlags(flags)) {
    if (uri.kind === "file") {
      const keys = options.create
        ? (await loadOrCreateKeyDirectory(uri.dir)).keys
        : await loadKeyDirectory(uri.dir);
      if (keys.length === 0) {
        throw new UsageError(
          `No key file in ${uri.dir} (credstack.key): the store has not been created yet; pass --key-file if its key lives elsewhere.`,
        );
      }
      return { cipher: aesCipherOf(keys), source: `key files in ${uri.dir} (${keys.length} generation(s))` };
    }
    throw new UsageError(
      `A ${uri.kind} store needs a cipher: pass --key-file <path>, --key-env <VAR> or --kms-key-id <id>.`,
    );
  }
  const keys: AesKey[] = [];
  if (flags.keyEnv !== undefined) keys.push(loadKeyFromEnv(flags.keyEnv));
  for (const path of flags.keyFiles) keys.push(await loadKeyFile(path));
  const parts = [
    flags.kmsKeyId === undefined ? "" : "KMS",
    flags.keyEnv === undefined ? "" : `$${flags.keyEnv}`,
    flags.keyFiles.length === 0 ? "" : `${flags.keyFiles.length} key file(s)`,
  ].filter(Boolean);
  if (flags.kmsKeyId === undefined) return { cipher: aesCipherOf(keys), source: parts.join(" + ") };
  const kms = await kmsCipherOf(flags, flags.kmsKeyId);
  const cipher = keys.length === 0 ? kms : cipherRing({ active: kms, previous: [aesCipherOf(keys)] });
  return { cipher, source: parts.join(" + ") };
}
