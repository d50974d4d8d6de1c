import { type CredentialKey, normalizeKey } from "@credstack/storage";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { base32Encode } from "./base32.js";
import { fileNameOf, maxEncodedNameLength, parseFileName } from "./file-names.js";

const key = (account: string, provider = "google") => normalizeKey({ provider, account });

describe("file names", () => {
  it("keeps look-alike accounts apart and never lets an account become a path", () => {
    const accounts = [
      "a.b@x.com",
      "a_b@x.com",
      "../../etc/passwd",
      "a\u0000b",
      "🦊@x.com",
      "x".repeat(10_000),
    ];
    const names = accounts.map((account) => fileNameOf(key(account)).name);
    expect(new Set(names).size).toBe(accounts.length);
    for (const name of names) {
      expect(name).toMatch(/^(c-[a-z2-7]+|h-[0-9a-f]{64})\.cred$/);
      expect(name.length).toBeLessThanOrEqual(maxEncodedNameLength);
    }
  });

  it("separates provider and account so that no two keys share a name", () => {
    expect(fileNameOf(key("b", "a")).name).not.toBe(fileNameOf(key("ab", "a")).name);
    expect(fileNameOf(key("x", "ab")).name).not.toBe(fileNameOf(key("bx", "a")).name);
  });

  it("decodes encoded names back to the key and hashes long keys", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: "grapheme" }), (account) => {
        let normal: ReturnType<typeof key>;
        try {
          normal = key(account);
        } catch {
          return; // not a legal account
        }
        const file = fileNameOf(normal);
        const parsed = parseFileName(file.name);
        if (file.hashed) expect(parsed).toEqual({ kind: "hashed" });
        else expect(parsed).toEqual({ kind: "encoded", key: normal });
      }),
    );
  });

  it("accepts a c- name exactly when fileNameOf gives that name for the key it decodes to", () => {
    // The reference definition: decode the name's bytes as the key, then ask fileNameOf.
    const reference = (bytes: Uint8Array, name: string): boolean => {
      const text = Buffer.from(bytes).toString("utf8");
      const at = text.indexOf("\u0000");
      if (at < 0) return false;
      try {
        const normal = normalizeKey({ provider: text.slice(0, at), account: text.slice(at + 1) });
        return normal.account === text.slice(at + 1) && fileNameOf(normal).name === name;
      } catch {
        return false;
      }
    };
    const part = fc.oneof(
      fc.uint8Array({ maxLength: 140 }), // any bytes: invalid UTF-8, NUL anywhere, too long
      fc.string({ maxLength: 130, unit: "grapheme" }).map((text) => Buffer.from(text, "utf8")),
      // around the longest c- name: from here on a key gets an h- name
      fc.integer({ min: 100, max: 140 }).map((n) => Buffer.from("a".repeat(n))),
      fc.constantFrom("a@x.com", "A@x.com", " a@x.com", "🦊", "\u00e9", "e\u0301").map((t) => Buffer.from(t)),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("google", "github", "Google", "", "a\u0000b", "x".repeat(65)),
        part,
        fc.boolean(),
        (provider, account, separated) => {
          const bytes = Buffer.concat([Buffer.from(provider), Buffer.from(separated ? [0] : []), account]);
          const name = `c-${base32Encode(bytes)}.cred`;
          const parsed = parseFileName(name);
          expect(parsed !== undefined).toBe(reference(bytes, name));
          if (parsed !== undefined)
            expect(fileNameOf((parsed as { key: CredentialKey }).key).name).toBe(name);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("ignores names it would never write", () => {
    for (const name of [
      ".tmp-abc",
      ".lock-c-mzxw6.cred",
      "c-MZXW6.cred",
      "c-mzxw6ytb.cred", // "fooba": no NUL separator
      "h-abc.cred",
      fileNameOf(key("a@x.com")).stem,
      `c-${Buffer.from("google\u0000A@x.com").toString("base64")}.cred`,
    ]) {
      expect(parseFileName(name)).toBeUndefined();
    }
    // An account not in normal form (uppercase) is not a name this store writes.
    const upper = fileNameOf({ provider: "google", account: "A@x.com" }).name;
    expect(parseFileName(upper)).toBeUndefined();
  });
});
