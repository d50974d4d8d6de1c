import { accountKey, type CredentialKey, compareKeys } from "@credstack/storage";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkPrefix, keyLayout, keyOfMember, listRange, memberOf } from "./keys.js";
import { hashSlot } from "./slot.js";

const provider = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/);
const account = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
  .filter((value) => {
    try {
      accountKey(value);
      return true;
    } catch {
      return false;
    }
  })
  .map(accountKey);
const normalKey = fc.record({ provider, account });
const byteCompare = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe("index members", () => {
  it("sort in compareKeys order, byte for byte, and decode back to the key", () => {
    fc.assert(
      fc.property(normalKey, normalKey, (a, b) => {
        expect(Math.sign(byteCompare(memberOf(a), memberOf(b)))).toBe(Math.sign(compareKeys(a, b)));
        expect(keyOfMember(memberOf(a))).toEqual(a);
      }),
      { numRuns: 2000 },
    );
  });

  it("orders providers that prefix each other and accounts with NUL or emoji", () => {
    const keys: CredentialKey[] = [
      { provider: "a", account: "z" },
      { provider: "a-b", account: "a" },
      { provider: "a.b", account: "a" },
      { provider: "ab", account: "\u0000" },
      { provider: "ab", account: "\u0000\u0000" },
      { provider: "ab", account: "a" },
      { provider: "ab", account: "😀" },
    ];
    const sorted = [...keys].sort(compareKeys).map(memberOf);
    expect([...keys.map(memberOf)].sort(byteCompare)).toEqual(sorted);
  });

  it("rejects members this store did not write", () => {
    for (const bad of ["google", "#61", "Google#61", "google#6", "google#zz", "google#"]) {
      expect(() => keyOfMember(bad)).toThrow(expect.objectContaining({ code: "ERR_CORRUPT_RECORD" }));
    }
  });

  it("bounds a listing by provider and after exactly like compareKeys", () => {
    const inRange = (range: { min: string; max: string } | undefined, member: string) => {
      if (range === undefined) return false;
      const above = (bound: string) =>
        bound === "-" ||
        (bound[0] === "["
          ? byteCompare(member, bound.slice(1)) >= 0
          : byteCompare(member, bound.slice(1)) > 0);
      const below = (bound: string) =>
        bound === "+" ||
        (bound[0] === "["
          ? byteCompare(member, bound.slice(1)) <= 0
          : byteCompare(member, bound.slice(1)) < 0);
      return above(range.min) && below(range.max);
    };
    fc.assert(
      fc.property(
        normalKey,
        fc.option(provider, { nil: undefined }),
        fc.option(normalKey, { nil: undefined }),
        (key, only, after) => {
          const expected =
            (only === undefined || key.provider === only) &&
            (after === undefined || compareKeys(key, after) > 0);
          expect(inRange(listRange(only, after), memberOf(key))).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("key layout", () => {
  const hostile = [
    "a.b@x.com",
    "a_b@x.com",
    "../../etc/passwd",
    "a\u0000b",
    "}{x}",
    "😀@x",
    "x".repeat(10_000),
  ];

  it("gives every account its own record and lease key", () => {
    const layout = keyLayout("credstack");
    const keys = hostile.map((value) => ({ provider: "google", account: accountKey(value) }));
    const records = new Set(keys.map(layout.recordKey));
    const leases = new Set(keys.map(layout.leaseKey));
    expect(records.size).toBe(hostile.length);
    expect(leases.size).toBe(hostile.length);
    expect(layout.recordKey({ provider: "google", account: "a@x.com" })).toBe(
      "{credstack}:c:google#6140782e636f6d",
    );
    expect(layout.index).toBe("{credstack}:index");
  });

  it("puts every key of a store in one Cluster slot, whatever the account", () => {
    for (const prefix of ["credstack", "tenant:42", "a.b-c"]) {
      const layout = keyLayout(prefix);
      const slot = hashSlot(layout.index);
      expect(slot).toBe(hashSlot(prefix));
      for (const value of hostile) {
        const key = { provider: "google", account: accountKey(value) };
        expect(hashSlot(layout.recordKey(key))).toBe(slot);
        expect(hashSlot(layout.leaseKey(key))).toBe(slot);
      }
    }
  });

  it("refuses prefixes that would change the hash tag", () => {
    for (const bad of ["", "a{b", "a}b", "a b", "a\nb", "x".repeat(129)]) {
      expect(() => checkPrefix(bad)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }));
    }
  });
});

describe("hashSlot", () => {
  it("matches CLUSTER KEYSLOT", () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(hashSlot("123456789")).toBe(0x31c3 % 16384);
    expect(hashSlot("foo")).toBe(12182);
    expect(hashSlot("bar")).toBe(5061);
    expect(hashSlot("{user1000}.following")).toBe(hashSlot("user1000"));
    expect(hashSlot("foo{{bar}}zap")).toBe(hashSlot("{bar"));
  });
});
