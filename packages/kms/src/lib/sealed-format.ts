import { ConfigError } from "@credstack/errors";
import { gcmNonceLength, gcmTagLength } from "@credstack/storage";
import { KmsIntegrityError } from "../errors.js";

/** First byte of every sealed credstack blob: the format version. @internal */
export const formatVersion = 1;
/** Cipher id of KMS envelope encryption (AES-256-GCM under a KMS data key). @internal */
export const kmsCipherId = 2;

/** The parsed header of a KMS-sealed blob. @internal */
export interface KmsSealedHeader {
  /** The KMS key id (ARN) that encrypted the data key. */
  readonly keyId: string;
  /** The KMS-encrypted data key. */
  readonly encryptedDataKey: Uint8Array;
  /** The AES-GCM nonce. */
  readonly nonce: Uint8Array;
  /** Header bytes (everything before the ciphertext), authenticated as AES-GCM AAD. */
  readonly headerBytes: Uint8Array;
  /** Ciphertext followed by the 16-byte tag. */
  readonly body: Uint8Array;
}

/**
 * Encodes the header: `version u8 | cipher id u8 | key id length u16 | key id utf8 | data key length u16 |
 * encrypted data key | nonce (12)`. Documented in docs/formats.md. @internal
 */
export function encodeHeader(keyId: string, encryptedDataKey: Uint8Array, nonce: Uint8Array): Buffer {
  const id = Buffer.from(keyId, "utf8");
  if (id.length > 0xffff || encryptedDataKey.length > 0xffff)
    throw new ConfigError("key id or data key too long");
  const header = Buffer.alloc(2 + 2 + id.length + 2 + encryptedDataKey.length + nonce.length);
  let offset = 0;
  header.writeUInt8(formatVersion, offset++);
  header.writeUInt8(kmsCipherId, offset++);
  header.writeUInt16BE(id.length, offset);
  offset += 2;
  id.copy(header, offset);
  offset += id.length;
  header.writeUInt16BE(encryptedDataKey.length, offset);
  offset += 2;
  header.set(encryptedDataKey, offset);
  offset += encryptedDataKey.length;
  header.set(nonce, offset);
  return header;
}

/** Parses a sealed blob; anything malformed is `ERR_INTEGRITY`. @internal */
export function decodeSealed(sealed: Uint8Array): KmsSealedHeader {
  const bad = (why: string) => new KmsIntegrityError(`Sealed data is not a valid KMS envelope: ${why}.`);
  const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (bytes.length < 6) throw bad("too short");
  if (bytes.readUInt8(0) !== formatVersion) throw bad(`unknown format version ${bytes.readUInt8(0)}`);
  if (bytes.readUInt8(1) !== kmsCipherId) throw bad(`cipher id ${bytes.readUInt8(1)} is not KMS`);
  let offset = 2;
  const idLength = bytes.readUInt16BE(offset);
  offset += 2;
  if (offset + idLength + 2 > bytes.length) throw bad("truncated key id");
  const keyId = bytes.subarray(offset, offset + idLength).toString("utf8");
  offset += idLength;
  const keyLength = bytes.readUInt16BE(offset);
  offset += 2;
  if (offset + keyLength + gcmNonceLength + gcmTagLength > bytes.length) throw bad("truncated");
  const encryptedDataKey = bytes.subarray(offset, offset + keyLength);
  offset += keyLength;
  const nonce = bytes.subarray(offset, offset + gcmNonceLength);
  offset += gcmNonceLength;
  return {
    keyId,
    encryptedDataKey,
    nonce,
    headerBytes: bytes.subarray(0, offset),
    body: bytes.subarray(offset),
  };
}
