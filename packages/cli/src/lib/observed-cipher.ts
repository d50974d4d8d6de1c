import {
  bindingOf,
  type Cipher,
  type CredentialKey,
  type RecordSealFormat,
  recordSealFormatOf,
} from "@credstack/storage";

/** What a sealed blob said about itself when it was opened. */
export interface SealInfo {
  /** Cipher name from the sealed header's cipher id byte (docs/formats.md). */
  readonly cipher: string;
  /** The key id in the header (AES key fingerprint or KMS key id). */
  readonly keyId: string;
  /**
   * The record seal format found inside once opened (docs/formats.md): 2 authenticates every field, 1
   * (written before whole-record authentication) only the secrets and the slot.
   */
  readonly format?: RecordSealFormat;
}

/** A cipher that remembers the key id and record seal format of each blob it opens, per record binding. */
export interface ObservedCipher extends Cipher {
  /** The seal info of the last blob opened for `key`, if any. */
  sealOf(key: CredentialKey): SealInfo | undefined;
  /** The key id new writes are sealed under (found by sealing a probe). */
  activeKeyId(): Promise<string>;
}

const cipherNames: Readonly<Record<number, string>> = { 1: "aes-256-gcm", 2: "kms" };
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/**
 * Wraps a cipher so commands can report which key sealed a record: stores do not expose sealed bytes,
 * but every read passes them through the cipher, with the record's binding as `aad`.
 */
export function observedCipher(inner: Cipher): ObservedCipher {
  const seen = new Map<string, SealInfo>();
  let active: Promise<string> | undefined;
  return {
    id: inner.id,
    encrypt: (plaintext, aad) => inner.encrypt(plaintext, aad),
    async decrypt(sealed, aad) {
      const id = hex(aad);
      let info: SealInfo | undefined;
      try {
        info = { cipher: cipherNames[sealed[1] ?? 0] ?? "unknown", keyId: inner.keyIdOf(sealed) };
        seen.set(id, info);
      } catch {
        seen.delete(id);
      }
      // Keep the map small: commands read one record at a time and ask right after.
      if (seen.size > 1024) seen.delete(seen.keys().next().value as string);
      const opened = await inner.decrypt(sealed, aad);
      const format = recordSealFormatOf(opened);
      if (info !== undefined && format !== undefined) seen.set(id, { ...info, format });
      return opened;
    },
    keyIdOf: (sealed) => inner.keyIdOf(sealed),
    sealOf: (key) => seen.get(hex(bindingOf(key))),
    activeKeyId() {
      active ??= inner
        .encrypt(new Uint8Array([0]), new TextEncoder().encode("credstack-cli/probe"))
        .then((sealed) => inner.keyIdOf(sealed));
      return active;
    },
  };
}
