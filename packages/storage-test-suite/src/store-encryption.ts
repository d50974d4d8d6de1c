import type { CredentialKey } from "@credstack/storage";
import { expect, it } from "vitest";
import { encodingsOf, fullCredential } from "./fixtures.js";
import type { CipherSet, RawAccess } from "./harness.js";
import { rejectionOf, type TestContext } from "./lib/context.js";

/** Registers the tests of stores that seal secrets. @internal */
export function encryptionTests(
  using: (body: (context: TestContext) => Promise<void>) => () => Promise<void>,
  raw: RawAccess,
  ciphers: () => CipherSet,
  timeoutMs: number,
): void {
  const keyOf = (account: string): CredentialKey => ({ provider: "google", account });

  it(
    "keeps no secret in clear at rest (raw, base64 or hex)",
    using(async ({ open, namespace }) => {
      const store = await open();
      const all: string[] = [];
      for (const account of ["scan-1@x.com", "scan-2@x.com"]) {
        const { input, secrets } = fullCredential(account);
        all.push(...secrets);
        const stored = await store.put(input, { expectedVersion: 0 });
        await store.put({ ...stored, accessToken: `${stored.accessToken}-v2` }, { expectedVersion: 1 });
      }
      const dump = Buffer.from(await raw.dump(namespace));
      expect(dump.length).toBeGreaterThan(0);
      for (const secret of all) {
        for (const encoded of encodingsOf(secret)) expect(dump.includes(encoded)).toBe(false);
      }
    }),
    timeoutMs,
  );

  it(
    "fails a flipped byte with ERR_INTEGRITY and changes nothing",
    using(async ({ open, namespace }) => {
      const store = await open();
      await store.put(fullCredential("flip@x.com").input, { expectedVersion: 0 });
      const sealed = Buffer.from(await raw.readSealed(namespace, keyOf("flip@x.com")));
      for (const index of [0, 1, 2, Math.floor(sealed.length / 2), sealed.length - 17, sealed.length - 1]) {
        const tampered = Buffer.from(sealed);
        tampered[index] = (tampered[index] as number) ^ 0x01;
        await raw.writeSealed(namespace, keyOf("flip@x.com"), tampered);
        expect((await rejectionOf(store.get(keyOf("flip@x.com")))).code).toBe("ERR_INTEGRITY");
      }
      await raw.writeSealed(namespace, keyOf("flip@x.com"), sealed.subarray(0, sealed.length - 5));
      expect((await rejectionOf(store.get(keyOf("flip@x.com")))).code).toBe("ERR_INTEGRITY");
      await raw.writeSealed(namespace, keyOf("flip@x.com"), sealed);
      expect(await store.get(keyOf("flip@x.com"))).toMatchObject({ version: 1 });
    }),
    timeoutMs,
  );

  it(
    "fails a record swapped into another account's slot with ERR_INTEGRITY",
    using(async ({ open, namespace }) => {
      const store = await open();
      await store.put(fullCredential("victim@x.com").input, { expectedVersion: 0 });
      await store.put(fullCredential("attacker@x.com").input, { expectedVersion: 0 });
      const attackers = await raw.readSealed(namespace, keyOf("attacker@x.com"));
      await raw.writeSealed(namespace, keyOf("victim@x.com"), attackers);
      expect((await rejectionOf(store.get(keyOf("victim@x.com")))).code).toBe("ERR_INTEGRITY");
      expect(await store.get(keyOf("attacker@x.com"))).toBeDefined();
    }),
    timeoutMs,
  );

  it(
    "reads records sealed under the old key after rotation and seals new writes with the new key",
    using(async ({ open, namespace }) => {
      const set = ciphers();
      const before = await open(set.current);
      const { input } = fullCredential("rotate@x.com");
      await before.put(input, { expectedVersion: 0 });
      const oldKeyId = set.current.keyIdOf(await raw.readSealed(namespace, keyOf("rotate@x.com")));
      const after = await open(set.rotated);
      const read = await after.get(keyOf("rotate@x.com"));
      expect(read).toMatchObject({ accessToken: input.accessToken, refreshToken: input.refreshToken });
      await after.put(read!, { expectedVersion: 1 });
      const newKeyId = set.rotated.keyIdOf(await raw.readSealed(namespace, keyOf("rotate@x.com")));
      expect(newKeyId).not.toBe(oldKeyId);
      expect((await after.get(keyOf("rotate@x.com")))?.accessToken).toBe(input.accessToken);
    }),
    timeoutMs,
  );

  it(
    "fails with ERR_INTEGRITY, never garbage, under a wrong key",
    using(async ({ open }) => {
      const set = ciphers();
      await (await open(set.current)).put(fullCredential("wrong@x.com").input, { expectedVersion: 0 });
      const wrong = await open(set.wrong);
      expect((await rejectionOf(wrong.get(keyOf("wrong@x.com")))).code).toBe("ERR_INTEGRITY");
      expect(await (await open(set.current)).get(keyOf("wrong@x.com"))).toMatchObject({ version: 1 });
    }),
    timeoutMs,
  );
}
