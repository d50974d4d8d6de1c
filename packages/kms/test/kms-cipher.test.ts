import type { KMSClient } from "@aws-sdk/client-kms";
import { startMoto } from "@credstack/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, kmsCipher } from "../src/index.js";
import { decodeSealed } from "../src/lib/sealed-format.js";
import { createKey, kmsClient, kmsEndpoint } from "./kms-env.js";

/** The real client, counting the commands it sends by name. */
function countingClient(real: KMSClient, sent: Record<string, number>): KMSClient {
  const send = real.send.bind(real) as (command: object, options?: object) => Promise<unknown>;
  return new Proxy(real, {
    get(target, property, receiver) {
      if (property !== "send") return Reflect.get(target, property, receiver);
      return (command: object, options?: object) => {
        const name = command.constructor.name;
        sent[name] = (sent[name] ?? 0) + 1;
        return send(command, options);
      };
    },
  }) as KMSClient;
}

const aadFor = (provider: string, account: string) => Buffer.from(JSON.stringify([provider, account]));
const secret = Buffer.from("ya29.access-token-SECRET-VALUE-1234567890");

let stop: () => Promise<void>;
let client: KMSClient;
let keyId: string;

beforeAll(async () => {
  const kms = await kmsEndpoint();
  stop = kms.stop;
  client = kmsClient(kms.endpoint);
  keyId = await createKey(client);
});
afterAll(async () => {
  client?.destroy();
  await stop?.();
});

describe("kmsCipher against the real SDK and a KMS emulator", () => {
  it("round-trips and keeps no plaintext in the sealed bytes", async () => {
    const cipher = kmsCipher({ client, keyId });
    const aad = aadFor("google", "a@x.com");
    const sealed = await cipher.encrypt(secret, aad);
    expect(Buffer.from(sealed).includes(secret)).toBe(false);
    expect(cipher.keyIdOf(sealed)).toBe(keyId);
    expect(Buffer.from(await cipher.decrypt(sealed, aad))).toEqual(secret);
  });

  it("refuses a record moved to another account at the KMS level (encryption context)", async () => {
    const sealer = kmsCipher({ client, keyId });
    const sealed = await sealer.encrypt(secret, aadFor("google", "a@x.com"));
    const opener = kmsCipher({ client, keyId }); // empty cache: the data key must come from KMS
    await expect(opener.decrypt(sealed, aadFor("google", "b@x.com"))).rejects.toMatchObject({
      code: "ERR_INTEGRITY",
    });
    expect(opener.calls.decrypt).toBe(1);
  });

  it("fails with ERR_INTEGRITY on a flipped byte, never returning garbage", async () => {
    const cipher = kmsCipher({ client, keyId });
    const aad = aadFor("google", "a@x.com");
    const sealed = Buffer.from(await cipher.encrypt(secret, aad));
    for (const index of [0, 1, 5, sealed.length - 20, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] = (tampered[index] as number) ^ 0x01;
      await expect(cipher.decrypt(tampered, aad)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
    }
  });

  it("calls GenerateDataKey once per binding per cache lifetime and Decrypt once per data key", async () => {
    const sealer = kmsCipher({ client, keyId, cache: { maxRecordsPerKey: 50 } });
    const aad = aadFor("google", "steady@x.com");
    const sealed = [];
    for (let i = 0; i < 120; i++) sealed.push(await sealer.encrypt(secret, aad));
    expect(sealer.calls.generateDataKey).toBe(3); // 50 + 50 + 20
    const opener = kmsCipher({ client, keyId });
    for (const blob of sealed) await opener.decrypt(blob, aad);
    expect(opener.calls.decrypt).toBe(3);
  });

  it("generates a new data key once the cached one is older than maxAgeMs", async () => {
    let clock = 1_000_000;
    const cipher = kmsCipher({ client, keyId, cache: { maxAgeMs: 1000 }, now: () => clock });
    const aad = aadFor("google", "aging@x.com");
    await cipher.encrypt(secret, aad);
    clock += 999;
    await cipher.encrypt(secret, aad);
    expect(cipher.calls.generateDataKey).toBe(1);
    clock += 1;
    await cipher.encrypt(secret, aad);
    expect(cipher.calls.generateDataKey).toBe(2);
  });

  it("shares one KMS call among concurrent misses for the same data key (counted at the client)", async () => {
    const sent = { GenerateDataKeyCommand: 0, DecryptCommand: 0 };
    const counting = countingClient(client, sent);
    const aad = aadFor("google", "burst@x.com");
    const sealer = kmsCipher({ client: counting, keyId });
    const sealed = await Promise.all(Array.from({ length: 1000 }, () => sealer.encrypt(secret, aad)));
    expect(sent.GenerateDataKeyCommand).toBe(1);
    const opener = kmsCipher({ client: counting, keyId });
    const opened = await Promise.all(sealed.map((blob) => opener.decrypt(blob, aad)));
    expect(sent.DecryptCommand).toBe(1);
    expect(opened.every((plain) => Buffer.from(plain).equals(secret))).toBe(true);
    expect([sealer.calls.generateDataKey, opener.calls.decrypt]).toEqual([1, 1]);
  });

  it("keeps maxRecordsPerKey when concurrent seals share a data key", async () => {
    const sent = { GenerateDataKeyCommand: 0, DecryptCommand: 0 };
    const sealer = kmsCipher({
      client: countingClient(client, sent),
      keyId,
      cache: { maxRecordsPerKey: 40 },
    });
    const aad = aadFor("google", "bounded@x.com");
    const sealed = await Promise.all(Array.from({ length: 100 }, () => sealer.encrypt(secret, aad)));
    expect(sent.GenerateDataKeyCommand).toBe(3); // 40 + 40 + 20
    const perKey = new Map<string, number>();
    for (const blob of sealed) {
      const dataKey = Buffer.from(decodeSealed(blob).encryptedDataKey).toString("base64");
      perKey.set(dataKey, (perKey.get(dataKey) ?? 0) + 1);
    }
    expect(perKey.size).toBe(3);
    expect(Math.max(...perKey.values())).toBeLessThanOrEqual(40);
  });

  it("gives every waiter the failure of a shared KMS call, and retries afresh afterwards", async () => {
    const unknown = `${keyId.slice(0, keyId.lastIndexOf("/") + 1)}00000000-0000-0000-0000-000000000000`;
    const sent = { GenerateDataKeyCommand: 0, DecryptCommand: 0 };
    const sealer = kmsCipher({ client: countingClient(client, sent), keyId: unknown });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => sealer.encrypt(secret, aadFor("google", "x@x.com"))),
    );
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(sent.GenerateDataKeyCommand).toBe(1);
    await expect(sealer.encrypt(secret, aadFor("google", "x@x.com"))).rejects.toMatchObject({
      code: "ERR_KEY_ACCESS_DENIED",
    });
    expect(sent.GenerateDataKeyCommand).toBe(2);
  });

  it("opens records sealed under an older KMS key after rotating to a new one", async () => {
    const oldKey = await createKey(client);
    const sealed = await kmsCipher({ client, keyId: oldKey }).encrypt(secret, aadFor("google", "r@x.com"));
    const rotated = kmsCipher({ client, keyId });
    expect(Buffer.from(await rotated.decrypt(sealed, aadFor("google", "r@x.com")))).toEqual(secret);
    expect(rotated.keyIdOf(await rotated.encrypt(secret, aadFor("google", "r@x.com")))).toBe(keyId);
  });

  it.each([
    [
      "unknown",
      async () => `${keyId.slice(0, keyId.lastIndexOf("/") + 1)}00000000-0000-0000-0000-000000000000`,
    ],
  ])("names the key id, never the plaintext, when the key is %s", async (_, makeKey) => {
    const disabled = await makeKey();
    const error = (await kmsCipher({ client, keyId: disabled })
      .encrypt(secret, aadFor("google", "a@x.com"))
      .then(
        () => undefined,
        (caught: unknown) => caught,
      )) as Error & { code: string; keyId: string };
    expect(error.code).toBe("ERR_KEY_ACCESS_DENIED");
    expect(error.keyId).toBe(disabled);
    expect(error.message).toContain(disabled);
    expect(error.message).not.toContain(secret.toString());
  });

  it("rejects reserved context keys", () => {
    expect(() => kmsCipher({ client, keyId, context: { "credstack:binding": "x" } })).toThrow(/reserved/);
    expect(() => kmsCipher({ client, keyId, context: { "credstack:binding": "x" } })).toThrow(ConfigError);
  });
});

describe("kmsCipher when KMS goes away", () => {
  it("fails fast with ERR_CIPHER_UNAVAILABLE and seals nothing", async () => {
    const moto = await startMoto();
    const faultClient = kmsClient(moto.endpoint);
    try {
      const faultKey = await createKey(faultClient);
      const cipher = kmsCipher({ client: faultClient, keyId: faultKey, timeoutMs: 2000 });
      await cipher.encrypt(secret, aadFor("google", "a@x.com"));
      await moto.kill();
      const started = Date.now();
      await expect(cipher.encrypt(secret, aadFor("google", "other@x.com"))).rejects.toMatchObject({
        code: "ERR_CIPHER_UNAVAILABLE",
      });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      faultClient.destroy();
      await moto.stop();
    }
  });
});
