import { createHash } from "node:crypto";
import type { KMSClient } from "@aws-sdk/client-kms";
import { ConfigError } from "@credstack/errors";
import { type Cipher, gcmNonce, gcmOpen, gcmSeal } from "@credstack/storage";
import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import {
  type CachedDataKey,
  cacheLimits,
  DataKeyCache,
  type DataKeyCacheOptions,
} from "./lib/data-key-cache.js";
import { decryptDataKey, generateDataKey } from "./lib/kms-calls.js";
import { decodeSealed, encodeHeader } from "./lib/sealed-format.js";
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

/** A cached data key for sealing, with the key ARN KMS reported. */
type SealingKey = CachedDataKey & { keyArn: string };

/** Rounds a caller waits for a shared data key before fetching one of its own. */
const maxRounds = 4;

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
 * @example
 * ```ts
 * import { KMSClient } from "@aws-sdk/client-kms";
 * const cipher = kmsCipher({ client: new KMSClient({ region: "eu-west-1" }), keyId: "alias/credstack" });
 * ```
 * @throws ConfigError (`ERR_INVALID_CONFIG`) for a reserved `context` key or a negative `cache` limit.
 */
export function kmsCipher(options: KmsCipherOptions): KmsCipher {
  const { client, keyId } = options;
  const base = { ...(options.context ?? {}) };
  for (const key of Object.keys(base)) {
    if (key.startsWith(reservedPrefix)) throw new ConfigError(`context key "${key}" is reserved`);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const limits = cacheLimits(options.cache);
  const sealing = new DataKeyCache(limits, options.now);
  const opening = new DataKeyCache(limits, options.now);
  const now = options.now ?? Date.now;
  const calls: KmsCallCounts = { generateDataKey: 0, decrypt: 0 };
  const instruments = kmsInstruments(options);

  // Caching off (or no reuse allowed): every seal takes a data key of its own, so nothing is shared.
  const sealKeysShared = limits.maxEntries > 0 && limits.maxAgeMs > 0 && limits.maxRecordsPerKey > 0;
  const openKeysShared = limits.maxEntries > 0 && limits.maxAgeMs > 0;
  // In-flight KMS calls by cache id: concurrent misses for the same data key share one call.
  const generating = new Map<string, Promise<SealingKey>>();
  const decrypting = new Map<string, Promise<Buffer>>();

  const freshDataKey = async (context: Record<string, string>): Promise<SealingKey> => {
    calls.generateDataKey++;
    const fresh = await kmsCall(instruments, "GenerateDataKey", () =>
      generateDataKey(client, keyId, context, timeoutMs),
    );
    return { ...fresh, createdAt: now(), uses: 0 };
  };

  /** Seals with `dataKey` synchronously, so no eviction (which zeroes the key) can come in between. */
  const sealWith = (dataKey: SealingKey, plaintext: Uint8Array, aad: Uint8Array): Uint8Array => {
    dataKey.uses++;
    const nonce = gcmNonce();
    const header = encodeHeader(dataKey.keyArn, dataKey.encrypted, nonce);
    return Buffer.concat([
      header,
      gcmSeal(dataKey.plaintext, nonce, Buffer.concat([header, aad]), plaintext),
    ]);
  };

  return {
    id: "kms",
    calls,
    async encrypt(plaintext, aad) {
      const context = encryptionContext(base, aad);
      if (!sealKeysShared) return sealWith(await freshDataKey(context), plaintext, aad);
      const cacheId = JSON.stringify(Object.entries(context).sort());
      // A waiter finding the shared key used up (maxRecordsPerKey) or evicted goes round for another one;
      // after a few rounds (a cache thrashing under maxEntries) it takes a data key of its own.
      for (let round = 0; round < maxRounds; round++) {
        const cached = sealing.get(cacheId, true) as SealingKey | undefined;
        if (cached) return sealWith(cached, plaintext, aad);
        let pending = generating.get(cacheId);
        if (pending === undefined) {
          pending = freshDataKey(context).then(
            (entry) => {
              generating.delete(cacheId);
              sealing.set(cacheId, entry);
              return entry;
            },
            (error: unknown) => {
              generating.delete(cacheId);
              throw error;
            },
          );
          generating.set(cacheId, pending);
        }
        await pending;
      }
      return sealWith(await freshDataKey(context), plaintext, aad);
    },
    async decrypt(sealed, aad) {
      const parsed = decodeSealed(sealed);
      const context = encryptionContext(base, aad);
      const open = (dataKey: Buffer) =>
        gcmOpen(dataKey, parsed.nonce, Buffer.concat([parsed.headerBytes, aad]), parsed.body);
      const fetchKey = () => {
        calls.decrypt++;
        return kmsCall(instruments, "Decrypt", () =>
          decryptDataKey(client, parsed.keyId, parsed.encryptedDataKey, context, timeoutMs),
        );
      };
      if (!openKeysShared) return open(await fetchKey());
      const cacheId = `${Buffer.from(parsed.encryptedDataKey).toString("base64")}|${context["credstack:binding"]}`;
      for (let round = 0; round < maxRounds; round++) {
        const cached = opening.get(cacheId, false);
        if (cached) return open(cached.plaintext);
        let pending = decrypting.get(cacheId);
        if (pending === undefined) {
          pending = fetchKey().then(
            (plaintext) => {
              decrypting.delete(cacheId);
              opening.set(cacheId, {
                plaintext,
                encrypted: parsed.encryptedDataKey,
                createdAt: now(),
                uses: 0,
              });
              return plaintext;
            },
            (error: unknown) => {
              decrypting.delete(cacheId);
              throw error;
            },
          );
          decrypting.set(cacheId, pending);
        }
        await pending;
      }
      return open(await fetchKey());
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
