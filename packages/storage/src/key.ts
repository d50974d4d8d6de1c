import { InvalidArgumentError } from "./errors.js";
import { jsonElement } from "./lib/json-element.js";

/** Identifies one credential: the provider slug and the user's account (usually an email). */
export interface CredentialKey {
  /** Lowercase provider slug (`google`, `microsoft`, `github`, ...). */
  readonly provider: string;
  /** The account, as the user spells it; compared by {@link accountKey}. */
  readonly account: string;
}

/** A valid provider slug: lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit. */
export const providerPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** With the `u` flag this matches only surrogates that are not part of a pair. */
const loneSurrogate = /[\uD800-\uDFFF]/u;
/** ASCII only: well-formed, and NFC leaves it as it is (skips `normalize`, the cost of every key check). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: all of ASCII, control characters included
const asciiOnly = /^[\u0000-\u007f]*$/;

/** The longest account accepted, in UTF-16 code units. */
export const maxAccountLength = 16_384;

/**
 * The form in which accounts are compared and stored as keys: Unicode NFC, trimmed, lowercased. Two
 * accounts address the same credential exactly when their account keys are equal (`A.B@X.com` and
 * ` a.b@x.com` are one account; `a.b@x.com` and `a_b@x.com` are two).
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for an empty, too long or ill-formed account.
 */
export function accountKey(account: string): string {
  if (typeof account !== "string") throw new InvalidArgumentError("An account must be a string.");
  if (account.length > maxAccountLength) {
    throw new InvalidArgumentError(`An account may be at most ${maxAccountLength} characters long.`);
  }
  let key: string;
  if (asciiOnly.test(account)) key = account.trim().toLowerCase();
  else {
    if (loneSurrogate.test(account)) {
      throw new InvalidArgumentError("An account must be well-formed Unicode (it has a lone surrogate).");
    }
    key = account.normalize("NFC").trim().toLowerCase();
  }
  if (key.length === 0) throw new InvalidArgumentError("An account must not be empty.");
  return key;
}

/**
 * Checks a key and returns it in normal form: the provider slug as is, the account as its
 * {@link accountKey}.
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for a bad provider slug or account.
 */
export function normalizeKey(key: CredentialKey): CredentialKey {
  if (typeof key?.provider !== "string" || !providerPattern.test(key.provider)) {
    throw new InvalidArgumentError(
      "A provider must be a lowercase slug (letters, digits, '.', '_' or '-'; at most 64).",
    );
  }
  return { provider: key.provider, account: accountKey(key.account) };
}

/**
 * The additional authenticated data that binds sealed bytes to one credential slot. Ciphers authenticate
 * it, so bytes moved to another provider or account fail with `ERR_INTEGRITY`.
 */
export function bindingOf(key: CredentialKey): Uint8Array {
  return bindingOfNormal(normalizeKey(key));
}

/** {@link bindingOf} of a key already in normal form (from {@link normalizeKey}). @internal */
export function bindingOfNormal(normal: CredentialKey): Buffer {
  // `JSON.stringify(["credstack-record/1", provider, account])`, element by element.
  return Buffer.from(
    `["credstack-record/1",${jsonElement(normal.provider)},${jsonElement(normal.account)}]`,
    "utf8",
  );
}

/**
 * Maps a UTF-16 code unit so that comparing mapped units orders strings by code point, which is UTF-8
 * byte order: BMP units from U+E000 move below the surrogates, surrogates (astral characters) go on top.
 */
const codePointRank = (unit: number): number =>
  unit >= 0xe000 ? unit - 0x800 : unit >= 0xd800 ? unit + 0x2000 : unit;

/** Compares two well-formed strings in UTF-8 byte order without encoding them (no allocation). */
function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/**
 * The one listing order of every store: by provider, then by account key, each compared as UTF-8 bytes
 * (the order of PostgreSQL's `COLLATE "C"` and of Redis sorted-set members). Both keys must be normal.
 */
export function compareKeys(a: CredentialKey, b: CredentialKey): number {
  if (a.provider !== b.provider) return compareUtf8(a.provider, b.provider);
  if (a.account === b.account) return 0;
  return compareUtf8(a.account, b.account);
}

/** True when `a` and `b` address the same credential. */
export function sameKey(a: CredentialKey, b: CredentialKey): boolean {
  return a.provider === b.provider && accountKey(a.account) === accountKey(b.account);
}
