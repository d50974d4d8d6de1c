import type { Cipher } from "../cipher.js";
import { IntegrityError, InvalidArgumentError, UnknownKeyIdError } from "../errors.js";
import { gcmNonce, gcmNonceLength, gcmOpen, gcmSeal, gcmTagLength } from "./gcm.js";
import type { AesKey } from "./keys.js";

/** One active key that seals, and older keys that only open (rotation without downtime). */
export interface KeyRing {
  /** Seals every new write. */
  readonly active: AesKey;
  /** Open records sealed before a rotation; never used to seal. */
  readonly previous?: readonly AesKey[];
}

/** Options of {@link aesGcmCipher}. */
export interface AesGcmCipherOptions {
  /** The keys. Key ids must be unique. */
  readonly keyRing: KeyRing;
}

/** A cipher sealing with AES-256-GCM under a key ring. */
export interface AesGcmCipher extends Cipher {
  /** `"aes-256-gcm"`. */
  readonly id: "aes-256-gcm";
  /** The id of the key that seals. */
  readonly activeKeyId: string;
}

/** Sealed format version (first byte). */
const formatVersion = 1;
/** Cipher id of AES-256-GCM under a key ring (second byte); `2` is KMS envelope encryption. */
const aesGcmCipherId = 1;

function header(keyId: string): Buffer {
  const id = Buffer.from(keyId, "ascii");
  return Buffer.concat([Buffer.from([formatVersion, aesGcmCipherId, id.length]), id]);
}

function parse(sealed: Uint8Array): { keyId: string; headerBytes: Buffer; nonce: Buffer; body: Buffer } {
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const bad = (why: string) => new IntegrityError(`Sealed data is not valid AES-GCM data: ${why}.`);
  if (bytes.length < 3) throw bad("too short");
  if (bytes[0] !== formatVersion) throw bad(`unknown format version ${bytes[0]}`);
  if (bytes[1] !== aesGcmCipherId) throw bad(`cipher id ${bytes[1]} is not AES-GCM`);
  const idLength = bytes[2] as number;
  const headerLength = 3 + idLength;
  if (bytes.length < headerLength + gcmNonceLength + gcmTagLength) throw bad("truncated");
  return {
    keyId: bytes.subarray(3, headerLength).toString("ascii"),
    headerBytes: bytes.subarray(0, headerLength),
    nonce: bytes.subarray(headerLength, headerLength + gcmNonceLength),
    body: bytes.subarray(headerLength + gcmNonceLength),
  };
}

/**
 * AES-256-GCM via `node:crypto`: a random 96-bit nonce per seal, the key id in the sealed header, the
 * header and `aad` authenticated. Layout (docs/formats.md): `0x01 | 0x01 | id length u8 | key id | nonce
 * (12) | ciphertext | tag (16)`.
 *
 * Rotation: make the new key active and keep the old one in `previous` until every record is re-sealed
 * (`credstack rotate-key`); old records keep opening meanwhile.
 *
 * @example
 * ```ts no-run
 * const cipher = aesGcmCipher({ keyRing: { active: loadKeyFromEnv("CREDSTACK_KEY") } }); // needs CREDSTACK_KEY
 * ```
 */
export function aesGcmCipher(options: AesGcmCipherOptions): AesGcmCipher {
  const { active, previous = [] } = options.keyRing;
  const keys = new Map<string, Buffer>();
  for (const key of [active, ...previous]) {
    if (keys.has(key.id))
      throw new InvalidArgumentError(`Key id ${JSON.stringify(key.id)} is in the key ring twice.`);
    keys.set(key.id, Buffer.from(key.secret));
  }
  const activeSecret = keys.get(active.id) as Buffer;
  const activeHeader = header(active.id);
  return {
    id: "aes-256-gcm",
    activeKeyId: active.id,
    async encrypt(plaintext, aad) {
      const nonce = gcmNonce();
      const body = gcmSeal(activeSecret, nonce, Buffer.concat([activeHeader, aad]), plaintext);
      return Buffer.concat([activeHeader, nonce, body]);
    },
    async decrypt(sealed, aad) {
      const parsed = parse(sealed);
      const secret = keys.get(parsed.keyId);
      if (secret === undefined) throw new UnknownKeyIdError(parsed.keyId);
      return gcmOpen(secret, parsed.nonce, Buffer.concat([parsed.headerBytes, aad]), parsed.body);
    },
    keyIdOf(sealed) {
      return parse(sealed).keyId;
    },
  };
}
