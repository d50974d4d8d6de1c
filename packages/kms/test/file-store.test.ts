import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KMSClient } from "@aws-sdk/client-kms";
import { aesGcmCipher, type Cipher, cipherRing, generateKey, reseal } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { startRefreshLoop, storeConformance } from "@credstack/storage-test-suite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kmsCipher } from "../src/index.js";
import { rawFiles } from "./file-raw.js";
import { createKey, kmsClient, kmsEndpoint } from "./kms-env.js";

let stop: () => Promise<void>;
let client: KMSClient;
let keyA: string;
let keyB: string;
const root = mkdtempSync(join(tmpdir(), "credstack-kms-file-"));
const raw = rawFiles(root);

beforeAll(async () => {
  const kms = await kmsEndpoint();
  stop = kms.stop;
  client = kmsClient(kms.endpoint);
  [keyA, keyB] = [await createKey(client), await createKey(client)];
}, 120_000);
afterAll(async () => {
  client?.destroy();
  await stop?.();
  rmSync(root, { recursive: true, force: true });
});

storeConformance(
  "fileStore under kmsCipher",
  {
    open: async ({ namespace, cipher }) =>
      fileStore({ dir: join(root, namespace), ...(cipher && { cipher }) }),
    destroy: raw.destroy,
    raw,
  },
  {
    encrypted: true,
    ciphers: async () => ({
      current: kmsCipher({ client, keyId: keyA }),
      rotated: kmsCipher({ client, keyId: keyB }),
      wrong: kmsCipher({ client, keyId: keyA, context: { tenant: "someone-else" } }),
    }),
  },
);

describe("switching a file store between aesGcmCipher and kmsCipher without downtime", () => {
  it("re-seals AES records under KMS and back while a writer keeps updating, losing nothing", async () => {
    const dir = join(root, "switch");
    const aes = aesGcmCipher({ keyRing: { active: generateKey() } });
    const kms = kmsCipher({ client, keyId: keyA });
    const accounts = Array.from({ length: 30 }, (_, i) => `user${i}@x.com`);
    const before = fileStore({ dir, cipher: aes });
    for (const account of accounts) {
      await before.put(
        { provider: "google", account, accessToken: "v1", refreshToken: `r-${account}` },
        { expectedVersion: 0 },
      );
    }
    const cipherOf = async (account: string, cipher: Cipher) =>
      cipher.keyIdOf(await raw.readSealed("switch", { provider: "google", account }));

    for (const [active, previous] of [
      [kms, aes],
      [aes, kms],
    ] as const) {
      const store = fileStore({ dir, cipher: cipherRing({ active, previous: [previous] }) });
      // A "refresh" loop on one account while the re-seal runs: compare-and-set, retried on conflict.
      const loop = startRefreshLoop(store, { provider: "google", account: "user7@x.com" });
      const result = await reseal({ store });
      const writes = await loop.stop();
      expect(result.failed).toBe(0);
      expect(result.resealed + result.skipped).toBe(accounts.length);
      const only = fileStore({ dir, cipher: active }); // the old cipher is no longer needed
      for (const account of accounts) {
        const record = await only.get({ provider: "google", account });
        expect(record?.refreshToken).toBe(`r-${account}`);
        expect(await cipherOf(account, active)).toBe(
          active.keyIdOf(await active.encrypt(Buffer.from("x"), Buffer.from("y"))),
        );
      }
      expect((await only.get({ provider: "google", account: "user7@x.com" }))?.accessToken).toBe(
        `w${writes}`,
      );
      await Promise.all([store.close(), only.close()]);
    }
  }, 120_000);
});
