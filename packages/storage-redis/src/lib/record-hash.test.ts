import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromFields } from "./record-hash.js";

const decimal = /^(?:0|[1-9][0-9]{0,15})$/;
const columns = Buffer.from(JSON.stringify({ provider: "google" }));
const sealed = Buffer.from([1, 2, 3]);

/** The rule fromFields must keep: the pattern on the latin1 text, then `Number`. */
const oracle = (bytes: Buffer): number | "malformed" => {
  const text = bytes.toString("latin1");
  return decimal.test(text) ? Number(text) : "malformed";
};

const outcome = (bytes: Buffer): number | "malformed" => {
  try {
    return fromFields({ version: bytes, created: Buffer.from("1"), columns, sealed }, "here").columns.version;
  } catch (error) {
    expect((error as { code?: string }).code).toBe("ERR_CORRUPT_RECORD");
    return "malformed";
  }
};

describe("fromFields decimal fields", () => {
  it("accepts and reads exactly the decimals the pattern accepts", () => {
    const digits = fc.stringMatching(/^[0-9]{0,18}$/);
    const bytes = fc.oneof(
      digits.map((text) => Buffer.from(text, "latin1")),
      fc.uint8Array({ maxLength: 18 }).map((array) => Buffer.from(array)),
      fc.constantFrom("0", "00", "01", "9007199254740993", "9999999999999999", "1e3", " 1", "+1", "٣"),
    );
    fc.assert(
      fc.property(bytes, (value) => {
        const input = typeof value === "string" ? Buffer.from(value, "utf8") : value;
        expect(outcome(input)).toBe(oracle(input));
      }),
      { numRuns: 3000 },
    );
  });
});
