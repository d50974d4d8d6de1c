import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { credentialInputSchema, credentialRecordSchema } from "../record.js";
import { fastFields } from "./fast-fields.js";

const valid = {
  provider: "google",
  account: "a@x.com",
  accessToken: "ya29.x",
  refreshToken: "1//r",
  tokenType: "Bearer",
  expiresAt: 1_700_000_000_000,
  scopes: ["openid", "email"],
  idToken: "eyJ.x.y",
  issuer: "https://accounts.google.com",
  clientId: "123.apps",
  metadata: { clientSecret: "s", nested: [1, "two", null, { ok: true }] },
  createdAt: 1,
  updatedAt: 2,
  version: 3,
};

const weird = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    "",
    "x".repeat(2049),
    -1,
    0,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    8.64e15 + 1,
  ),
  fc.constantFrom([], [""], ["x".repeat(2049)], [1], {}, { a: undefined }, { a: () => 1 }, new Date(0), [
    "ok",
  ]),
  fc.constantFrom("Google", "a b", " ", "\uD800", "ok", "-x", 2 ** 53, { toString: () => "x" }),
  fc.jsonValue(),
  fc.anything(),
);
const fieldNames = [...Object.keys(valid), "extra", "__proto__"];

/** Drops the keys zod reports as undefined-valued, as freezeRecord does. */
const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

describe("fastFields", () => {
  it("accepts a well-formed record and input, giving zod's fields", () => {
    expect(defined(fastFields(valid, undefined, true) ?? {})).toEqual(credentialRecordSchema.parse(valid));
    const { version: _v, createdAt: _c, updatedAt: _u, tokenType: _t, scopes: _s, ...input } = valid;
    expect(defined(fastFields(input, undefined, false) ?? {})).toEqual(credentialInputSchema.parse(input));
    expect(fastFields(input, undefined, true)).toBeUndefined(); // a stored record needs its bookkeeping
  });

  it("never accepts what the zod schemas refuse (property test over broken fields)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...fieldNames), weird), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (changes, stored) => {
          const value: Record<string, unknown> = { ...valid };
          for (const [field, replacement] of changes) {
            Object.defineProperty(value, field, {
              value: replacement,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          const schema = stored ? credentialRecordSchema : credentialInputSchema;
          const fast = fastFields(value, undefined, stored);
          if (fast !== undefined) {
            const parsed = schema.safeParse(value);
            expect(parsed.success).toBe(true);
            expect(defined(fast)).toEqual(defined(parsed.data as object));
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("takes columns and secrets apart only when each holds its own fields", () => {
    const { accessToken, refreshToken, idToken, metadata, ...columns } = valid;
    const secrets = { accessToken, refreshToken, idToken, metadata };
    expect(defined(fastFields(columns, secrets, true) ?? {})).toEqual(credentialRecordSchema.parse(valid));
    expect(fastFields({ ...columns, accessToken: "x" }, secrets, true)).toBeUndefined();
    expect(fastFields(columns, { ...secrets, version: 9 }, true)).toBeUndefined();
    expect(fastFields(columns, [], true)).toBeUndefined();
  });
});
