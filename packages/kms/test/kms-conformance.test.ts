import type { KMSClient } from "@aws-sdk/client-kms";
import { cipherConformance } from "@credstack/storage-test-suite";
import { afterAll, beforeAll } from "vitest";
import { kmsCipher } from "../src/index.js";
import { createKey, kmsClient, kmsEndpoint } from "./kms-env.js";

let stop: () => Promise<void>;
let client: KMSClient;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  const kms = await kmsEndpoint();
  stop = kms.stop;
  client = kmsClient(kms.endpoint);
  [keyA, keyB] = [await createKey(client), await createKey(client)];
});
afterAll(async () => {
  client?.destroy();
  await stop?.();
});

// Against the KMS emulator through the real SDK. "Wrong key" for KMS is a cipher whose encryption context
// differs: KMS itself refuses to release the data key.
cipherConformance("kmsCipher", async () => ({
  current: kmsCipher({ client, keyId: keyA }),
  rotated: kmsCipher({ client, keyId: keyB }),
  wrong: kmsCipher({ client, keyId: keyA, context: { tenant: "someone-else" } }),
}));
