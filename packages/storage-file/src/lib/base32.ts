/** RFC 4648 base32 alphabet, lowercased: file names stay distinct on case-insensitive file systems. */
const alphabet = "abcdefghijklmnopqrstuvwxyz234567";

/** The alphabet's character codes, by value. */
const alphabetCodes = Buffer.from(alphabet, "latin1");
/** The value of each ASCII character code, `-1` outside the alphabet. */
const valueOfCode = new Int8Array(128).fill(-1);
for (let index = 0; index < alphabet.length; index++) valueOfCode[alphabet.charCodeAt(index)] = index;

/**
 * Encodes bytes as lowercase RFC 4648 base32 without padding. Injective: distinct inputs give distinct
 * outputs, and {@link base32Decode} inverts it. (Characters are written into a byte buffer and read out
 * once as Latin-1, not appended one by one: this runs for every key of a listing and every call's file
 * name.)
 * @internal
 */
export function base32Encode(bytes: Uint8Array): string {
  const out = Buffer.allocUnsafe(Math.ceil((bytes.length * 8) / 5));
  let length = 0;
  let buffer = 0;
  let bits = 0;
  for (let index = 0; index < bytes.length; index++) {
    buffer = ((buffer << 8) | (bytes[index] as number)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[length++] = alphabetCodes[(buffer >>> bits) & 31] as number;
    }
  }
  if (bits > 0) out[length++] = alphabetCodes[(buffer << (5 - bits)) & 31] as number;
  return out.toString("latin1", 0, length);
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
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    // Code units, not code points: any unit outside ASCII (a surrogate included) is refused alike.
    const value = code < 128 ? (valueOfCode[code] as number) : -1;
    if (value < 0) return undefined;
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
