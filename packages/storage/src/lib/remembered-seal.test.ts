import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { aesGcmCipher } from "../aes-gcm/aes-gcm-cipher.js";
import { generateKey } from "../aes-gcm/keys.js";
import type { Cipher } from "../cipher.js";
import { bindingOf } from "../key.js";
import { type CredentialRecord, parseRecord } from "../record.js";
import { encodeSecrets, openRecord, sealRecord, splitRecord } from "../sealed-record.js";
import { digestOf, recordSealFormatOf, sealPlaintext } from "./record-seal.js";
import { recordToWrite } from "./write.js";

const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const key = { provider: "google", account: "a.user@x.com" };
const record = parseRecord({
  ...key,
  accessToken: "at-1",
  refreshToken: "rt-1",
  tokenType: "Bearer",
  scopes: ["openid", "email"],
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_100_000,
  version: 3,
});
const { columns } = splitRecord(record);
// Secrets JSON as no credstack seal writes it (keys reversed, spaces): a seal built anew differs.
const unusualJson = '{ "refreshToken": "rt-1", "accessToken": "at-1" }';
const unusualPlaintext = () => Buffer.from(sealPlaintext(digestOf(columns), unusualJson));
const plaintextOf = async (sealed: Uint8Array) => Buffer.from(await cipher.decrypt(sealed, bindingOf(key)));

describe("a record opened from a format-2 seal", () => {
  it("is sealed again from the plaintext it was opened from, and so is its copy write", async () => {
    const sealed = await cipher.encrypt(unusualPlaintext(), bindingOf(key));
    const opened = await openRecord(key, columns, sealed, cipher);
    const again = await sealRecord(opened, cipher);
    expect(await plaintextOf(again.sealed)).toEqual(unusualPlaintext());
    expect(again.columns).toEqual(columns);
    const copy = recordToWrite(opened, { expectedVersion: 0, copy: true }, undefined, 0);
    expect(await plaintextOf((await sealRecord(copy, cipher)).sealed)).toEqual(unusualPlaintext());
    expect({ ...(await openRecord(key, again.columns, again.sealed, cipher)) }).toEqual({ ...record });
  });

  it("is sealed anew once it is a new version (the digest covers the new columns)", async () => {
    const sealed = await cipher.encrypt(unusualPlaintext(), bindingOf(key));
    const opened = await openRecord(key, columns, sealed, cipher);
    const next = recordToWrite(opened, { expectedVersion: 3 }, opened.createdAt, 1_800_000_000_000);
    const written = await sealRecord(next, cipher);
    expect((await plaintextOf(written.sealed)).equals(unusualPlaintext())).toBe(false);
    expect((await openRecord(key, written.columns, written.sealed, cipher)).version).toBe(4);
  });

  it("with metadata is sealed anew, so a change to its metadata is kept", async () => {
    const withMetadata = parseRecord({ ...record, metadata: { region: "eu" } });
    const first = await sealRecord(withMetadata, cipher);
    const opened = await openRecord(key, first.columns, first.sealed, cipher);
    (opened.metadata as Record<string, unknown>).region = "us";
    const again = await sealRecord(opened, cipher);
    expect((await openRecord(key, again.columns, again.sealed, cipher)).metadata).toEqual({ region: "us" });
  });

  it("keeps nothing of the cipher's output buffer (a cipher may reuse it)", async () => {
    const scratch = Buffer.alloc(4096);
    const reusing: Cipher = {
      ...cipher,
      async decrypt(sealed, aad) {
        const opened = await cipher.decrypt(sealed, aad);
        scratch.set(opened);
        return scratch.subarray(0, opened.length);
      },
    };
    const alice = await sealRecord(record, cipher);
    const bob = parseRecord({ ...record, accessToken: "at-2", refreshToken: "rt-2" });
    const openedAlice = await openRecord(key, alice.columns, alice.sealed, reusing);
    const bobSeal = await sealRecord(bob, cipher);
    await openRecord(key, bobSeal.columns, bobSeal.sealed, reusing); // overwrites the scratch buffer
    const again = await sealRecord(openedAlice, cipher);
    expect((await openRecord(key, again.columns, again.sealed, cipher)).accessToken).toBe("at-1");
  });

  it("from a format-1 seal is sealed in format 2", async () => {
    const { secrets } = splitRecord(record);
    const sealed = await cipher.encrypt(encodeSecrets(secrets), bindingOf(key));
    const opened = await openRecord(key, columns, sealed, cipher);
    expect(recordSealFormatOf(await plaintextOf((await sealRecord(opened, cipher)).sealed))).toBe(2);
  });

  it("shows nothing of what it remembers (fields, copies, JSON, inspect)", async () => {
    const sealed = await cipher.encrypt(unusualPlaintext(), bindingOf(key));
    const opened: CredentialRecord = await openRecord(key, columns, sealed, cipher);
    expect(Object.keys(opened)).toEqual(Object.keys(record));
    expect(Object.getOwnPropertySymbols(opened)).toEqual([]);
    expect({ ...opened }).toEqual({ ...record });
    expect(JSON.stringify(opened)).not.toContain("at-1");
    expect(inspect(opened, { showHidden: true, depth: 5 })).not.toContain("at-1");
  });
});
