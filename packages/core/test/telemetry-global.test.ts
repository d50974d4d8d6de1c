import { memoryStore } from "@credstack/storage";
import { memoryTelemetry } from "@credstack/test-services/telemetry";
import { metrics, trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { createAuthorizer, createRefresher, createResolver, defaultChain } from "../src/index.js";
import { loopbackProviders } from "./helpers/setup.js";

afterAll(() => {
  trace.disable();
  metrics.disable();
});

describe("the default path: the global providers of @opentelemetry/api", () => {
  it("without options, spans and metrics reach the SDK registered globally", async () => {
    const telemetry = memoryTelemetry();
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    metrics.setGlobalMeterProvider(telemetry.meterProvider);
    const store = memoryStore();
    const providers = loopbackProviders;
    const refresher = createRefresher({ store, providers });
    const authorizer = createAuthorizer({ store, providers, refresher });
    const resolver = createResolver({ chain: defaultChain({ refresher, authorizer }), providers });
    const result = await resolver.resolve({ provider: "test", scopes: ["api:read"] });
    expect(result.kind).toBe("unauthorized");
    const root = telemetry.spans().find((span) => span.name === "credstack.resolve");
    expect(root?.attributes["credstack.result"]).toBe("unauthorized");
    expect(root?.attributes["credstack.unauthorized"]).toBe("identity_required");
    const points = await telemetry.points();
    expect(points.find((point) => point.name === "credstack.resolves")?.attributes).toMatchObject({
      "credstack.result": "unauthorized",
    });
    await resolver.close();
  });
});
