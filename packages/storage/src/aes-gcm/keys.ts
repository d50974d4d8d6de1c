import { createHash, randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { KeyConfigError } from "../errors.js";

/** An AES-256 key with its id. The id is written into every sealed header; the key bytes never are. */
export interface AesKey {
  /** Key id (1–64 printable ASCII characters), written in sealed headers. */
  readonly id: string;
  /** The 32 key bytes. Redacted in `util.inspect` and `JSON.stringify`. */
  readonly secret: Uint8Array;
}

/** Key ids: printable ASCII without spaces, 1–64 characters. */
const keyIdPattern = /^[\x21-\x7e]{1,64}$/;

/** The default id of a key: `k-` and the first 16 hex digits of SHA-256 of the key bytes. */
export function fingerprintOf(secret: Uint8Array): string {
  return `k-${createHash("sha256").update(secret).digest("hex").slice(0, 16)}`;
}

/**
 * Makes an {@link AesKey} from 32 bytes; the id defaults to the key's fingerprint.
 * @throws KeyConfigError (`ERR_INVALID_CONFIG`) for a wrong length or a bad id.
 */
export function aesKey(secret: Uint8Array, id?: string): AesKey {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new KeyConfigError(`An AES-256 key must be exactly 32 bytes (got ${secret?.length ?? 0}).`);
  }
  const keyId = id ?? fingerprintOf(secret);
  if (!keyIdPattern.test(keyId)) {
    throw new KeyConfigError("A key id must be 1 to 64 printable ASCII characters without spaces.");
  }
  const key = { id: keyId, secret: Uint8Array.from(secret) };
  Object.defineProperty(key, "toJSON", { value: () => ({ id: keyId, secret: "[redacted]" }) });
  Object.defineProperty(key, inspect.custom, {
    value: () => `AesKey { id: '${keyId}', secret: [redacted] }`,
  });
  return Object.freeze(key);
}

/** A new random AES-256 key (CSPRNG). */
export function generateKey(id?: string): AesKey {
  return aesKey(randomBytes(32), id);
}

/**
 * Reads a base64 key (32 bytes; standard or url-safe alphabet, surrounding white space ignored).
 * @throws KeyConfigError naming `what`, never the value.
 */
export function keyFromBase64(text: string, what = "key", id?: string): AesKey {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    throw new KeyConfigError(`The ${what} is not base64.`);
  }
  const bytes = Buffer.from(trimmed, "base64");
  if (bytes.length !== 32) {
    throw new KeyConfigError(`The ${what} must decode to 32 bytes (got ${bytes.length}).`);
  }
  return aesKey(bytes, id);
}

/** The key as base64, for writing to a secret manager or a key file. */
export function keyToBase64(key: AesKey): string {
  return Buffer.from(key.secret).toString("base64");
}

/**
 * Loads a key from an environment variable holding base64 of 32 bytes.
 * @param name @default "CREDSTACK_KEY"
 * @param env @default process.env
 * @throws KeyConfigError when the variable is missing or malformed (the message names the variable only).
 */
export function loadKeyFromEnv(
  name = "CREDSTACK_KEY",
  env: Readonly<Record<string, string | undefined>> = process.env,
  id?: string,
): AesKey {
  const value = env[name];
  if (value === undefined || value.trim() === "") {
    throw new KeyConfigError(`The environment variable ${name} is not set (expected base64 of 32 bytes).`);
  }
  return keyFromBase64(value, `key in ${name}`, id);
}
