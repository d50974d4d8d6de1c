import type { KMSClient } from "@aws-sdk/client-kms";
import { memoryTelemetry } from "@credstack/test-services/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kmsCipher } from "../src/index.js";
import { createKey, kmsClient, kmsEndpoint } from "./kms-env.js";

const account = "dora.private@example.com";
const secret = Buffer.from("ya29.kms-telemetry-SECRET-4242");
const aadFor = (who: string) => Buffer.from(JSON.stringify(["google", who]));

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

describe("KMS calls in OpenTelemetry (SDK with in-memory exporters, KMS emulator)", () => {
  it("one span and one counted, timed call per GenerateDataKey and Decrypt; failures carry the code; nothing secret", async () => {
    const telemetry = memoryTelemetry();
    const { tracerProvider, meterProvider } = telemetry;
    const sealer = kmsCipher({ client, keyId, tracerProvider, meterProvider });
    const sealed = await sealer.encrypt(secret, aadFor(account));
    await sealer.encrypt(secret, aadFor(account)); // cached data key: no second call
    const opener = kmsCipher({ client, keyId, tracerProvider, meterProvider });
    expect(Buffer.from(await opener.decrypt(sealed, aadFor(account)))).toEqual(secret);
    const moved = kmsCipher({ client, keyId, tracerProvider, meterProvider });
    await expect(moved.decrypt(sealed, aadFor("eve@example.com"))).rejects.toMatchObject({
      code: "ERR_INTEGRITY",
    });

    const spans = telemetry.spans();
    const names = spans.map((span) => span.name);
    expect(names.sort()).toEqual([
      "credstack.kms.Decrypt",
      "credstack.kms.Decrypt",
      "credstack.kms.GenerateDataKey",
    ]);
    const failed = spans.find((span) => span.attributes["error.type"] !== undefined);
    expect(failed?.attributes["error.type"]).toBe("ERR_INTEGRITY");

    const points = await telemetry.points();
    const count = (operation: string, outcome: string) =>
      points.find(
        (point) =>
          point.name === "credstack.kms.calls" &&
          point.attributes["credstack.kms.operation"] === operation &&
          point.attributes["credstack.outcome"] === outcome,
      )?.value;
    expect(count("GenerateDataKey", "ok")).toBe(1);
    expect(count("Decrypt", "ok")).toBe(1);
    expect(count("Decrypt", "ERR_INTEGRITY")).toBe(1);
    expect(points.some((point) => point.name === "credstack.kms.duration")).toBe(true);

    const text = await telemetry.allText();
    for (const hidden of [account, "eve@example.com", secret.toString(), keyId]) {
      expect(text).not.toContain(hidden);
    }
  });
});
