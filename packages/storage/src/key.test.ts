import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountKey, bindingOf, compareKeys, normalizeKey } from "./key.js";

describe("account keys", () => {
  it("compare case-insensitively after trim and NFC", () => {
    expect(accountKey("  A.B@X.com ")).toBe("a.b@x.com");
    expect(accountKey("e\u0301@x.com")).toBe(accountKey("\u00e9@x.com"));
    expect(accountKey("a.b@x.com")).not.toBe(accountKey("a_b@x.com"));
  });

  it("refuse empty, ill-formed and oversized accounts with ERR_INVALID_ARGUMENT", () => {
    for (const bad of ["", "   ", "a\ud800b", "x".repeat(16_385)]) {
      expect(() => accountKey(bad)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }));
    }
    expect(accountKey("nul\u0000@x.com")).toBe("nul\u0000@x.com");
  });

  it("bind sealed data to one slot: distinct keys give distinct bindings", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a.trim() !== "" && b.trim() !== "" && !/[\ud800-\udfff]/u.test(a + b));
        const same = accountKey(a) === accountKey(b);
        const bindingA = Buffer.from(bindingOf({ provider: "google", account: a }));
        const bindingB = Buffer.from(bindingOf({ provider: "google", account: b }));
        expect(bindingA.equals(bindingB)).toBe(same);
      }),
    );
  });

  it("order by UTF-8 bytes, a total order consistent with equality", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 1 }),
        fc.string({ unit: "grapheme", minLength: 1 }),
        (a, b) => {
          fc.pre(a.trim() !== "" && b.trim() !== "");
          const ka = normalizeKey({ provider: "p", account: a });
          const kb = normalizeKey({ provider: "p", account: b });
          const order = compareKeys(ka, kb);
          expect(Math.sign(order)).toBe(-Math.sign(compareKeys(kb, ka)));
          expect(order === 0).toBe(ka.account === kb.account);
          expect(Math.sign(order)).toBe(
            Math.sign(Buffer.compare(Buffer.from(ka.account), Buffer.from(kb.account))),
          );
        },
      ),
    );
    // UTF-16 order would put U+FF5E before U+1F600; UTF-8 byte order does not.
    expect(compareKeys({ provider: "p", account: "\uff5e" }, { provider: "p", account: "😀" })).toBeLessThan(
      0,
    );
    expect(compareKeys({ provider: "a", account: "z" }, { provider: "b", account: "a" })).toBeLessThan(0);
  });

  it("refuse provider slugs that are not lowercase slugs", () => {
    for (const provider of ["Google", "../x", "", "a b", "-x", "x".repeat(65)]) {
      expect(() => normalizeKey({ provider, account: "a" })).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
      );
    }
  });
});

describe("account key and binding fast paths", () => {
  const slowAccountKey = (account: string): string => account.normalize("NFC").trim().toLowerCase();
  const account = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme-ascii" }));

  it("accountKey is NFC, trim, lowercase for ASCII and non-ASCII accounts alike", () => {
    fc.assert(
      fc.property(account, (a) => {
        fc.pre(a.trim() !== "" && !/[\ud800-\udfff]/u.test(a));
        expect(accountKey(a)).toBe(slowAccountKey(a));
      }),
      { numRuns: 2000 },
    );
  });

  it("bindingOf is the UTF-8 JSON array of the record format, provider and account key", () => {
    fc.assert(
      fc.property(account, (a) => {
        fc.pre(a.trim() !== "" && !/[\ud800-\udfff]/u.test(a));
        const expected = JSON.stringify(["credstack-record/1", "google", accountKey(a)]);
        expect(Buffer.from(bindingOf({ provider: "google", account: a })).toString("utf8")).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
