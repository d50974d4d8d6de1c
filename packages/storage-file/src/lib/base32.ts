/** RFC 4648 base32 alphabet, lowercased: file names stay distinct on case-insensitive file systems. */
const alphabet = "abcdefghijklmnopqrstuvwxyz234567";

const values = new Map<string, number>([...alphabet].map((char, index) => [char, index]));

/**
 * Encodes bytes as lowercase RFC 4648 base32 without padding. Injective: distinct inputs give distinct
 * outputs, and {@link base32Decode} inverts it.
 * @internal
 */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += alphabet[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes what {@link base32Encode} produced. Returns `undefined` for anything it could not have produced
 * (a character outside the lowercase alphabet, an impossible length, non-zero padding bits), so that
 * every accepted name has exactly one decoding and re-encodes to itself.
 * @internal
 */
export function base32Decode(text: string): Uint8Array | undefined {
  const remainder = text.length % 8;
  if (remainder === 1 || remainder === 3 || remainder === 6) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = values.get(char);
    if (value === undefined) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
