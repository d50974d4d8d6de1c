import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { accountKey, type CredentialKey, providerPattern } from "@credstack/storage";
import { base32Decode, base32Encode } from "./base32.js";

/** The longest encoded (`c-…`) file name; longer keys get a hashed (`h-…`) name. */
export const maxEncodedNameLength = 200;

/** What identifies a record file: the name, and whether the key is readable from the name alone. */
export interface RecordFileName {
  /** The file name, `c-<base32>.cred` or `h-<sha256 hex>.cred`. */
  readonly name: string;
  /** The name without `.cred`: also names the key's lock and lease files. */
  readonly stem: string;
  /** True for `h-` names, whose key is known only from the file's contents. */
  readonly hashed: boolean;
}

const suffix = ".cred";

/** The name of the lock file of the record file `stem` (held while it is written). @internal */
export const lockNameOf = (stem: string): string => `.lock-${stem}`;

/** The bytes a key's file name is made from: UTF-8 of `provider + "\0" + accountKey`. @internal */
function keyBytes(key: CredentialKey): Buffer {
  return Buffer.from(`${key.provider}\u0000${key.account}`, "utf8");
}

/**
 * The file name of a normal key. Injective: `c-` + lowercase base32 of the key bytes when that fits in
 * {@link maxEncodedNameLength} characters, else `h-` + the SHA-256 of the same bytes. The account never
 * becomes a path by itself: the name holds only `[a-z0-9-.]`.
 * @internal
 */
export function fileNameOf(key: CredentialKey): RecordFileName {
  const bytes = keyBytes(key);
  const encoded = `c-${base32Encode(bytes)}`;
  if (encoded.length + suffix.length <= maxEncodedNameLength) {
    return { name: `${encoded}${suffix}`, stem: encoded, hashed: false };
  }
  const stem = `h-${createHash("sha256").update(bytes).digest("hex")}`;
  return { name: `${stem}${suffix}`, stem, hashed: true };
}

/**
 * What a directory entry is: a record file whose key the name gives, a hashed record file, or
 * `undefined` for anything else (temporary, lock and lease files, foreign files, names this store
 * would never write).
 * @internal
 */
export function parseFileName(
  name: string,
): { kind: "encoded"; key: CredentialKey } | { kind: "hashed" } | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const stem = name.slice(0, -suffix.length);
  if (!stem.startsWith("c-")) return /^h-[0-9a-f]{64}$/.test(stem) ? { kind: "hashed" } : undefined;
  const bytes = base32Decode(stem.slice(2));
  if (bytes === undefined) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // `fileNameOf(key).name === name`, without encoding the key again (this runs for every file of a
  // listing): the base32 decoding is canonical (the name is the encoding of `bytes`), well-formed UTF-8
  // decodes and encodes back to the same bytes (so `bytes` are the key's bytes), and a key gets a `c-`
  // name exactly when that name fits. file-names.test.ts checks this against `fileNameOf`.
  if (name.length > maxEncodedNameLength || !isUtf8(buffer)) return undefined;
  const separator = buffer.indexOf(0); // only U+0000 has a 0 byte in UTF-8: the same split as on the text
  if (separator < 0) return undefined;
  // Each part decoded on its own, not sliced from the whole text: a listing keeps every key, and a slice
  // keeps the whole text alive beside it (bench/list-memory.mjs).
  const provider = buffer.toString("utf8", 0, separator);
  const key = { provider, account: buffer.toString("utf8", separator + 1) };
  // Only names this store writes: valid provider, account already in normal form, canonical bytes.
  if (!providerPattern.test(key.provider)) return undefined;
  try {
    if (accountKey(key.account) !== key.account) return undefined;
  } catch {
    return undefined;
  }
  return { kind: "encoded", key };
}
