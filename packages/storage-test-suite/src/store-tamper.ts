import {
  bindingOf,
  type Cipher,
  type CredentialKey,
  type CredentialRecord,
  formatOneCipher,
  formatTwoOnlyCipher,
  recordSealFormatOf,
  reseal,
} from "@credstack/storage";
import { expect, it } from "vitest";
import { fullCredential, startRefreshLoop } from "./fixtures.js";
import type { CipherSet, RawAccess, TamperField } from "./harness.js";
import { rejectionOf, type TestContext } from "./lib/context.js";

/** One change to a stored record's clear fields that a store must refuse to serve. */
interface Tamper {
  readonly what: string;
  readonly field: TamperField;
  readonly value: unknown;
}

/** What someone with write access to the backend (but not the key) would change. @internal */
export const tampers: readonly Tamper[] = [
  {
    what: "scopes widened to https://mail.google.com/",
    field: "scopes",
    value: ["https://mail.google.com/"],
  },
  { what: "expiresAt moved to the year 2100", field: "expiresAt", value: Date.UTC(2100, 0, 1) },
  { what: "expiresAt removed (never expires)", field: "expiresAt", value: undefined },
  { what: "tokenType changed", field: "tokenType", value: "DPoP" },
  { what: "issuer changed", field: "issuer", value: "https://attacker.example" },
  { what: "clientId changed", field: "clientId", value: "attacker-client" },
  { what: "account respelled (same key)", field: "account", value: "TAMPER@X.COM" },
  { what: "metadata added in clear", field: "metadata", value: { admin: true } },
  { what: "version changed", field: "version", value: 7 },
  { what: "createdAt changed", field: "createdAt", value: 1 },
  { what: "updatedAt changed", field: "updatedAt", value: 2_000_000_000_000 },
];

const keyOf = (account: string): CredentialKey => ({ provider: "google", account });

/** The record field a tamper case changes, as stored. */
const originalOf = (record: CredentialRecord, field: TamperField): unknown =>
  field === "metadata" ? undefined : (record as unknown as Record<string, unknown>)[field];

/** The seal format of one stored record, read at rest and opened with `cipher`. */
async function formatAtRest(raw: RawAccess, namespace: string, cipher: Cipher, key: CredentialKey) {
  return recordSealFormatOf(await cipher.decrypt(await raw.readSealed(namespace, key), bindingOf(key)));
}

/**
 * Registers the column-tamper tests of stores that seal secrets: every clear field is bound into the
 * seal, records of the previous seal format still open, and `reseal()` upgrades them online. @internal
 */
export function tamperTests(
  using: (body: (context: TestContext) => Promise<void>) => () => Promise<void>,
  raw: RawAccess,
  ciphers: () => CipherSet,
  timeoutMs: number,
): void {
  for (const { what, field, value } of tampers) {
    it(
      `fails with ERR_INTEGRITY when a record's ${what} at rest, and opens again once it is put back`,
      using(async ({ open, namespace }) => {
        const store = await open();
        const key = keyOf("tamper@x.com");
        const stored = await store.put(fullCredential(key.account).input, { expectedVersion: 0 });
        const wrote = await raw.writeColumn(namespace, key, field, value);
        if (wrote) {
          expect((await rejectionOf(store.get(key))).code).toBe("ERR_INTEGRITY");
          await raw.writeColumn(namespace, key, field, originalOf(stored, field));
        }
        const read = await store.get(key);
        expect({ ...read }).toEqual({ ...stored });
      }),
      timeoutMs,
    );
  }

  it(
    "opens records sealed in the previous format and upgrades them with reseal() while a writer updates one",
    using(async ({ open, namespace }) => {
      const cipher = ciphers().current;
      const old = await open(formatOneCipher(cipher));
      const accounts = Array.from({ length: 12 }, (_, i) => `old-${i}@x.com`);
      const inputs = new Map(accounts.map((account) => [account, fullCredential(account).input]));
      for (const input of inputs.values()) await old.put(input, { expectedVersion: 0 });
      for (const account of accounts)
        expect(await formatAtRest(raw, namespace, cipher, keyOf(account))).toBe(1);

      const store = await open(cipher);
      for (const account of accounts) {
        const read = await store.get(keyOf(account));
        expect(read?.accessToken).toBe(inputs.get(account)?.accessToken);
        expect(read?.scopes).toEqual(inputs.get(account)?.scopes);
      }

      const saved = await raw.readSealed(namespace, keyOf("old-1@x.com"));
      const busy = keyOf("old-7@x.com");
      const loop = startRefreshLoop(store, busy);
      const result = await reseal({ store });
      const writes = await loop.stop();

      expect(result.failed).toBe(0);
      expect(result.resealed + result.skipped).toBe(accounts.length);
      for (const account of accounts)
        expect(await formatAtRest(raw, namespace, cipher, keyOf(account))).toBe(2);
      expect((await store.get(busy))?.accessToken).toBe(`w${writes}`);
      await raw.writeColumn(namespace, keyOf("old-0@x.com"), "scopes", ["https://mail.google.com/"]);
      expect((await rejectionOf(store.get(keyOf("old-0@x.com")))).code).toBe("ERR_INTEGRITY");
      // An old format-1 copy put back still opens under the same key (authentication is not freshness);
      // a store that accepts format 2 only refuses it.
      await raw.writeSealed(namespace, keyOf("old-1@x.com"), saved);
      expect(await store.get(keyOf("old-1@x.com"))).toBeDefined();
      const strict = await open(formatTwoOnlyCipher(cipher));
      expect((await rejectionOf(strict.get(keyOf("old-1@x.com")))).code).toBe("ERR_INTEGRITY");
      expect((await strict.get(keyOf("old-2@x.com")))?.accessToken).toBe(
        inputs.get("old-2@x.com")?.accessToken,
      );
    }),
    timeoutMs,
  );
}
