import type { KMSClient } from "@aws-sdk/client-kms";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
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
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const sealer = kmsCipher({ client, keyId, tracerProvider, meterProvider });
    const sealed = await sealer.encrypt(secret, aadFor(account));
    await sealer.encrypt(secret, aadFor(account)); // cached data key: no second call
    const opener = kmsCipher({ client, keyId, tracerProvider, meterProvider });
    expect(Buffer.from(await opener.decrypt(sealed, aadFor(account)))).toEqual(secret);
    const moved = kmsCipher({ client, keyId, tracerProvider, meterProvider });
    await expect(moved.decrypt(sealed, aadFor("eve@example.com"))).rejects.toMatchObject({
      code: "ERR_INTEGRITY",
    });

    const names = spans.getFinishedSpans().map((span) => span.name);
    expect(names.sort()).toEqual([
      "credstack.kms.Decrypt",
      "credstack.kms.Decrypt",
      "credstack.kms.GenerateDataKey",
    ]);
    const failed = spans.getFinishedSpans().find((span) => span.attributes["error.type"] !== undefined);
    expect(failed?.attributes["error.type"]).toBe("ERR_INTEGRITY");

    await reader.forceFlush();
    const points = exporter
      .getMetrics()
      .flatMap((batch) => batch.scopeMetrics.flatMap((scope) => scope.metrics))
      .flatMap((metric) => metric.dataPoints.map((point) => ({ name: metric.descriptor.name, point })));
    const count = (operation: string, outcome: string) =>
      points.find(
        ({ name, point }) =>
          name === "credstack.kms.calls" &&
          point.attributes["credstack.kms.operation"] === operation &&
          point.attributes["credstack.outcome"] === outcome,
      )?.point.value;
    expect(count("GenerateDataKey", "ok")).toBe(1);
    expect(count("Decrypt", "ok")).toBe(1);
    expect(count("Decrypt", "ERR_INTEGRITY")).toBe(1);
    expect(points.some(({ name }) => name === "credstack.kms.duration")).toBe(true);

    const text = JSON.stringify([
      spans.getFinishedSpans().map((span) => [span.name, span.attributes, span.status, span.events]),
      points.map(({ name, point }) => [name, point.attributes]),
    ]);
    for (const hidden of [account, "eve@example.com", secret.toString(), keyId]) {
      expect(text).not.toContain(hidden);
    }
  });
});
