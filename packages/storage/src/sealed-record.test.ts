import { describe, expect, it } from "vitest";
import { aesGcmCipher } from "./aes-gcm/aes-gcm-cipher.js";
import { generateKey } from "./aes-gcm/keys.js";
import { formatOneCipher, formatTwoOnlyCipher } from "./format-one-cipher.js";
import { bindingOf } from "./key.js";
import { recordSealFormatOf } from "./lib/record-seal.js";
import { parseRecord } from "./record.js";
import { encodeSecrets, openRecord, type RecordColumns, sealRecord, splitRecord } from "./sealed-record.js";

const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const key = { provider: "google", account: "A.User@x.com" };
const record = parseRecord({
  ...key,
  accessToken: "at",
  refreshToken: "rt",
  idToken: "id",
  metadata: { clientSecret: "cs" },
  tokenType: "Bearer",
  expiresAt: 1_800_000_000_000,
  scopes: ["openid", "email"],
  issuer: "https://accounts.google.com",
  clientId: "client-1",
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_100_000,
  version: 3,
});
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (error: { code?: string }) => error.code,
  );

describe("whole-record seals (format 2)", () => {
  it("open to the record that was sealed", async () => {
    const { columns, sealed } = await sealRecord(record, cipher);
    expect(recordSealFormatOf(await cipher.decrypt(sealed, bindingOf(key)))).toBe(2);
    expect({ ...(await openRecord(key, columns, sealed, cipher)) }).toEqual({ ...record });
  });

  const tampers: [string, Record<string, unknown>][] = [
    ["scopes", { scopes: ["https://mail.google.com/"] }],
    ["scopes (one more)", { scopes: ["openid", "email", "https://mail.google.com/"] }],
    ["expiresAt", { expiresAt: Date.UTC(2100, 0, 1) }],
    ["expiresAt removed", { expiresAt: undefined }],
    ["tokenType", { tokenType: "MAC" }],
    ["issuer", { issuer: "https://evil.example" }],
    ["clientId", { clientId: "client-2" }],
    ["clientId removed", { clientId: undefined }],
    ["account spelling", { account: "a.user@x.com" }],
    ["version", { version: 9 }],
    ["createdAt", { createdAt: 1 }],
    ["updatedAt", { updatedAt: 1_800_000_000_000 }],
  ];
  for (const [what, change] of tampers) {
    it(`fail with ERR_INTEGRITY when ${what} changes at rest`, async () => {
      const { columns, sealed } = await sealRecord(record, cipher);
      const changed = { ...columns, ...change } as Record<string, unknown>;
      for (const [field, value] of Object.entries(change)) if (value === undefined) delete changed[field];
      expect(await codeOf(openRecord(key, changed as RecordColumns, sealed, cipher))).toBe("ERR_INTEGRITY");
    });
  }

  it("fail with ERR_INTEGRITY when a secret field appears among the clear columns", async () => {
    const { columns, sealed } = await sealRecord(parseRecord({ ...record, metadata: undefined }), cipher);
    for (const field of ["metadata", "accessToken"]) {
      const changed = { ...columns, [field]: field === "metadata" ? { admin: true } : "injected" };
      expect(await codeOf(openRecord(key, changed as RecordColumns, sealed, cipher))).toBe("ERR_INTEGRITY");
    }
  });
});

describe("format-1 seals (secrets only, written before format 2)", () => {
  it("still open, and are told apart by their format", async () => {
    const { columns, secrets } = splitRecord(record);
    const sealed = await cipher.encrypt(encodeSecrets(secrets), bindingOf(key));
    expect(recordSealFormatOf(await cipher.decrypt(sealed, bindingOf(key)))).toBe(1);
    expect({ ...(await openRecord(key, columns, sealed, cipher)) }).toEqual({ ...record });
  });

  it("refuse opened bytes of no known format", async () => {
    const { columns } = splitRecord(record);
    const sealed = await cipher.encrypt(new Uint8Array([0x07, 1, 2]), bindingOf(key));
    expect(await codeOf(openRecord(key, columns, sealed, cipher))).toBe("ERR_CORRUPT_RECORD");
  });
});

describe("formatOneCipher", () => {
  it("seals format 1, which opens without the clear columns being checked", async () => {
    const { columns, sealed } = await sealRecord(record, formatOneCipher(cipher));
    expect(recordSealFormatOf(await cipher.decrypt(sealed, bindingOf(key)))).toBe(1);
    const changed = { ...columns, scopes: ["https://mail.google.com/"] } as RecordColumns;
    expect((await openRecord(key, changed, sealed, cipher)).scopes).toEqual(["https://mail.google.com/"]);
  });
});

describe("formatTwoOnlyCipher", () => {
  it("opens format-2 records and refuses format-1 ones with ERR_INTEGRITY", async () => {
    const strict = formatTwoOnlyCipher(cipher);
    const current = await sealRecord(record, strict);
    expect((await openRecord(key, current.columns, current.sealed, strict)).version).toBe(3);
    const old = await sealRecord(record, formatOneCipher(cipher));
    expect(await codeOf(openRecord(key, old.columns, old.sealed, strict))).toBe("ERR_INTEGRITY");
  });
});
