import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Fernet (https://github.com/fernet/spec), the token format of Python `cryptography.fernet`:
 * `0x80 | timestamp (8) | IV (16) | AES-128-CBC ciphertext (PKCS7) | HMAC-SHA256 (32)`, base64url. The
 * 32-byte key is the signing key (first 16 bytes) then the encryption key (last 16).
 * @internal
 */

/** Why a token could not be opened: its shape (`malformed`) or its authentication (`unauthentic`). */
export type FernetFailure = "malformed" | "unauthentic";

/** The outcome of {@link fernetDecrypt}. @internal */
export type FernetResult =
  | { readonly ok: true; readonly plaintext: Buffer }
  | { readonly ok: false; readonly failure: FernetFailure };

const base64url = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes base64url (padding optional) strictly; `undefined` when the text is not base64url. @internal */
export function decodeBase64Url(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!base64url.test(trimmed)) return undefined;
  const body = trimmed.replace(/=+$/, "");
  if (body.length % 4 === 1) return undefined;
  return Buffer.from(body, "base64url");
}

/**
 * A Fernet key from its text form (base64url of 32 bytes, as `Fernet.generate_key()` writes it); `undefined`
 * when it is not one. Surrounding whitespace is ignored, as Python's lenient base64 decoder ignores it.
 * @internal
 */
export function fernetKeyFromText(text: string): Buffer | undefined {
  const key = decodeBase64Url(text);
  return key !== undefined && key.length === 32 ? key : undefined;
}

const headerLength = 1 + 8 + 16;
const macLength = 32;

/** Opens a Fernet token (bytes of its base64url text). Never throws. @internal */
export function fernetDecrypt(key: Buffer, tokenText: Buffer | string): FernetResult {
  const token = decodeBase64Url(typeof tokenText === "string" ? tokenText : tokenText.toString("latin1"));
  if (token === undefined || token.length < headerLength + 16 + macLength || token[0] !== 0x80) {
    return { ok: false, failure: "malformed" };
  }
  if ((token.length - headerLength - macLength) % 16 !== 0) return { ok: false, failure: "malformed" };
  const signed = token.subarray(0, token.length - macLength);
  const mac = token.subarray(token.length - macLength);
  const expected = createHmac("sha256", key.subarray(0, 16)).update(signed).digest();
  if (!timingSafeEqual(mac, expected)) return { ok: false, failure: "unauthentic" };
  try {
    const decipher = createDecipheriv("aes-128-cbc", key.subarray(16, 32), token.subarray(9, headerLength));
    const plaintext = Buffer.concat([
      decipher.update(token.subarray(headerLength, signed.length)),
      decipher.final(),
    ]);
    return { ok: true, plaintext };
  } catch {
    // Authentic but badly padded: only a buggy writer produces this.
    return { ok: false, failure: "malformed" };
  }
}

/**
 * Seals `plaintext` as a Fernet token (base64url text). Used by tests and benchmarks to produce tokens in
 * TypeScript; the fixtures themselves come from Python's `cryptography`.
 * @internal
 */
export function fernetEncrypt(key: Buffer, plaintext: Buffer, now = Date.now()): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-128-cbc", key.subarray(16, 32), iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(9);
  header[0] = 0x80;
  header.writeBigUInt64BE(BigInt(Math.floor(now / 1000)), 1);
  const signed = Buffer.concat([header, iv, body]);
  const mac = createHmac("sha256", key.subarray(0, 16)).update(signed).digest();
  const text = Buffer.concat([signed, mac]).toString("base64url");
  return text + "=".repeat((4 - (text.length % 4)) % 4);
}
