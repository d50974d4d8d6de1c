import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonArray, jsonElement } from "./json-element.js";
import { canonicalColumns } from "./record-seal.js";

// Strings of every kind JSON escapes: quotes, backslashes, controls, lone and paired surrogates.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.constantFrom('"', "\\", "\u0000", "\u001f", "\u007f", "\u2028", "\uD800", "\uDC00x", "\uD83D\uDE00", ""),
);
const value = fc.oneof(
  text,
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(-0, 2 ** 53, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY, undefined, null, true),
  fc.jsonValue(),
  fc.array(fc.oneof(text, fc.integer(), fc.constant(undefined))),
);

describe("jsonElement / jsonArray", () => {
  it("write exactly what JSON.stringify writes for an array element", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonElement(v)).toBe(JSON.stringify([v]).slice(1, -1));
      }),
      { numRuns: 2000 },
    );
  });

  it("write exactly what JSON.stringify writes for an array", () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(value), value), (v) => {
        expect(jsonArray(v)).toBe(JSON.stringify(v) ?? "null");
      }),
      { numRuns: 1000 },
    );
  });

  it("canonicalColumns is the JSON array of the columns in the format-2 order", () => {
    const columns = fc.record(
      {
        provider: value,
        account: value,
        tokenType: value,
        expiresAt: value,
        scopes: value,
        issuer: value,
        clientId: value,
        createdAt: value,
        updatedAt: value,
        version: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(columns, (c) => {
        const expected = JSON.stringify([
          "credstack-columns/2",
          c.provider,
          c.account,
          c.tokenType,
          c.expiresAt ?? null,
          c.scopes,
          c.issuer ?? null,
          c.clientId ?? null,
          c.version,
          c.createdAt,
          c.updatedAt,
        ]);
        expect(canonicalColumns(c as never)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
