import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode } from "./base32.js";

const ascii = (text: string): Uint8Array => Buffer.from(text, "utf8");

describe("base32", () => {
  it("matches the RFC 4648 test vectors, lowercased and unpadded", () => {
    const vectors: [string, string][] = [
      ["", ""],
      ["f", "my"],
      ["fo", "mzxq"],
      ["foo", "mzxw6"],
      ["foob", "mzxw6yq"],
      ["fooba", "mzxw6ytb"],
      ["foobar", "mzxw6ytboi"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(ascii(plain))).toBe(encoded);
      expect(Buffer.from(base32Decode(encoded)!).toString("utf8")).toBe(plain);
    }
  });

  it("round-trips any bytes and uses only the lowercase alphabet", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const encoded = base32Encode(bytes);
        expect(encoded).toMatch(/^[a-z2-7]*$/);
        expect(Buffer.from(base32Decode(encoded)!).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it("rejects text it could not have produced, so each name has one decoding", () => {
    expect(base32Decode("MZXW6")).toBeUndefined(); // uppercase
    expect(base32Decode("mzxw6=")).toBeUndefined(); // padding
    expect(base32Decode("m")).toBeUndefined(); // impossible length
    expect(base32Decode("mz")).toBeUndefined(); // non-zero trailing bits ("my" is the canonical "f")
    expect(base32Decode("mzx1")).toBeUndefined(); // '1' is not in the alphabet
  });
});
