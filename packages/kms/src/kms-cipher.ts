import { createHash, randomBytes } from "node:crypto";
import type { KMSClient } from "@aws-sdk/client-kms";
import { InvalidArgumentError } from "@credstack/errors";
import { type Cipher, gcmOpen, gcmSeal } from "@credstack/storage";
import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import {
  type CachedDataKey,
  cacheLimits,
  DataKeyCache,
  type DataKeyCacheOptions,
} from "./lib/data-key-cache.js";
import { decryptDataKey, generateDataKey } from "./lib/kms-calls.js";
import { decodeSealed, encodeHeader, nonceLength } from "./lib/sealed-format.js";
import { kmsCall, kmsInstruments } from "./lib/telemetry.js";

/** Options of {@link kmsCipher}. */
export interface KmsCipherOptions {
  /** A `KMSClient` from `@aws-sdk/client-kms` (region, credentials and endpoint are yours to set). */
  client: KMSClient;
  /** The KMS key (id, ARN or alias) that generates data keys for new seals. */
  keyId: string;
  /**
   * Extra encryption context added to every data key (e.g. `{ app: "billing" }`). Keys starting with
   * `credstack:` are reserved.
   * @default {}
   */
  context?: Readonly<Record<string, string>>;
  /** Data-key cache limits (see {@link DataKeyCacheOptions} for the defaults). */
  cache?: DataKeyCacheOptions;
  /**
   * Time limit of each KMS call, in milliseconds; past it the call fails with `ERR_CIPHER_UNAVAILABLE`.
   * @default 5000
   */
  timeoutMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /**
   * Where the spans of KMS calls go (`credstack.kms.GenerateDataKey`, `credstack.kms.Decrypt`).
   * @default the global tracer provider of `@opentelemetry/api` (a no-op without an SDK)
   */
  tracerProvider?: TracerProvider;
  /**
   * Where the metrics `credstack.kms.calls` and `credstack.kms.duration` go.
   * @default the global meter provider of `@opentelemetry/api` (a no-op without an SDK)
   */
  meterProvider?: MeterProvider;
}

/** Counts of KMS calls made, for benchmarks and monitoring. */
export interface KmsCallCounts {
  /** `GenerateDataKey` calls. */
  generateDataKey: number;
  /** `Decrypt` calls. */
  decrypt: number;
}

/** A credstack {@link Cipher} backed by AWS KMS envelope encryption. */
export interface KmsCipher extends Cipher {
  /** Cipher id, as in the sealed header. */
  readonly id: "kms";
  /** Seals `plaintext`, binding it to `aad` (the record's provider and account). */
  encrypt(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Opens a sealed blob; fails with `ERR_INTEGRITY` when it was tampered with or sealed for other `aad`. */
  decrypt(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** The KMS key id recorded in a sealed blob. */
  keyIdOf(sealed: Uint8Array): string;
  /** KMS calls made so far. */
  readonly calls: Readonly<KmsCallCounts>;
  /** Zeroes and drops every cached data key. */
  clearCache(): void;
}

const reservedPrefix = "credstack:";

/**
 * The encryption context of a record: the caller's context plus a digest of the record's AAD (which names
 * its provider and account). KMS refuses to decrypt a data key under any other context, so a record moved
 * to another account cannot be opened even by a holder of the sealed bytes and KMS access.
 */
function encryptionContext(base: Readonly<Record<string, string>>, aad: Uint8Array): Record<string, string> {
  return { ...base, "credstack:binding": createHash("sha256").update(aad).digest("base64url") };
}

/**
 * AWS KMS envelope encryption: a data key from `GenerateDataKey` (AES_256) seals records locally with
 * AES-256-GCM; the sealed header carries the KMS-encrypted data key and the KMS key id. Data keys are
 * cached within the documented limits, one per record binding, so steady traffic does not call KMS per
 * record; decrypted data keys are cached by their encrypted bytes.
 *
 * IAM: `kms:GenerateDataKey` and `kms:Decrypt` on the key (and on old keys while records sealed under them
 * remain).
 *
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for a reserved context key or a negative cache limit.
 * @example
 * ```ts
 * import { KMSClient } from "@aws-sdk/client-kms";
 * const cipher = kmsCipher({ client: new KMSClient({ region: "eu-west-1" }), keyId: "alias/credstack" });
 * ```
 */
export function kmsCipher(options: KmsCipherOptions): KmsCipher {
  const { client, keyId } = options;
  const base = { ...(options.context ?? {}) };
  for (const key of Object.keys(base)) {
    if (key.startsWith(reservedPrefix))
      throw new InvalidArgumentError(`kmsCipher() context key "${key}" is reserved (prefix credstack:).`);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const limits = cacheLimits(options.cache);
  const sealing = new DataKeyCache(limits, options.now);
  const opening = new DataKeyCache(limits, options.now);
  const now = options.now ?? Date.now;
  const calls: KmsCallCounts = { generateDataKey: 0, decrypt: 0 };
  const instruments = kmsInstruments(options);

  const dataKeyFor = async (context: Record<string, string>): Promise<CachedDataKey & { keyArn: string }> => {
    const cacheId = JSON.stringify(Object.entries(context).sort());
    const cached = sealing.get(cacheId, true) as (CachedDataKey & { keyArn: string }) | undefined;
    if (cached) return cached;
    calls.generateDataKey++;
    const fresh = await kmsCall(instruments, "GenerateDataKey", () =>
      generateDataKey(client, keyId, context, timeoutMs),
    );
    const entry = {
      plaintext: fresh.plaintext,
      encrypted: fresh.encrypted,
      createdAt: now(),
      uses: 0,
      keyArn: fresh.keyArn,
    };
    sealing.set(cacheId, entry);
    return entry;
  };

  return {
    id: "kms",
    calls,
    async encrypt(plaintext, aad) {
      const context = encryptionContext(base, aad);
      const dataKey = await dataKeyFor(context);
      dataKey.uses++;
      const nonce = randomBytes(nonceLength);
      const header = encodeHeader(dataKey.keyArn, dataKey.encrypted, nonce);
      return Buffer.concat([
        header,
        gcmSeal(dataKey.plaintext, nonce, Buffer.concat([header, aad]), plaintext),
      ]);
    },
    async decrypt(sealed, aad) {
      const parsed = decodeSealed(sealed);
      const context = encryptionContext(base, aad);
      const cacheId = `${Buffer.from(parsed.encryptedDataKey).toString("base64")}|${context["credstack:binding"]}`;
      let dataKey = opening.get(cacheId, false)?.plaintext;
      if (dataKey === undefined) {
        calls.decrypt++;
        dataKey = await kmsCall(instruments, "Decrypt", () =>
          decryptDataKey(client, parsed.keyId, parsed.encryptedDataKey, context, timeoutMs),
        );
        opening.set(cacheId, {
          plaintext: dataKey,
          encrypted: parsed.encryptedDataKey,
          createdAt: now(),
          uses: 0,
        });
      }
      return gcmOpen(dataKey, parsed.nonce, Buffer.concat([parsed.headerBytes, aad]), parsed.body);
    },
    keyIdOf(sealed) {
      return decodeSealed(sealed).keyId;
    },
    clearCache() {
      sealing.clear();
      opening.clear();
    },
  };
}
