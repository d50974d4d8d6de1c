import { memoryStore } from "@credstack/storage";
import { memoryTelemetry } from "@credstack/test-services/telemetry";
import { metrics, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import {
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  notApplicable,
  type ResolveResult,
  type Source,
} from "../src/index.js";
import { loopbackProviders } from "./helpers/setup.js";

// Without an SDK the resolver leaves out the no-op spans and does not call unconfigured links: these
// tests hold that this changes nothing a caller can see.

afterEach(() => {
  trace.disable();
  metrics.disable();
});

const providers = loopbackProviders;
const account = "dana@example.com";

async function resolvers() {
  const store = memoryStore();
  await store.put(
    {
      provider: "test",
      account,
      accessToken: "a",
      refreshToken: "r",
      scopes: ["api:read"],
      expiresAt: Date.now() + 3_600_000,
    },
    { expectedVersion: 0 },
  );
  const make = (telemetry: object, trustAccountArgument: boolean) => {
    const refresher = createRefresher({ store, providers, ...telemetry });
    const authorizer = createAuthorizer({ store, providers, refresher, ...telemetry });
    return createResolver({
      chain: defaultChain({ refresher, authorizer }),
      providers,
      trustAccountArgument,
      ...telemetry,
    });
  };
  const telemetry = memoryTelemetry();
  return {
    telemetry,
    plain: make({}, true),
    traced: make(telemetry, true),
    plainUntrusted: make({}, false),
    tracedUntrusted: make(telemetry, false),
  };
}

/** What a caller sees, without the per-call random parts (authorization URL, transaction id). */
function seen(result: ResolveResult) {
  if (result.kind !== "authorization_required") return result;
  const { url: _url, transactionId: _id, flows, ...rest } = result;
  return { ...rest, flows: flows.map((flow) => flow.scopes) };
}

describe("resolve() without an SDK", () => {
  it("answers as a traced resolver does: result, trace and reasons, on a miss and on a cache hit", async () => {
    const { telemetry, plain, traced, plainUntrusted, tracedUntrusted } = await resolvers();
    const asks = [
      { provider: "test", account, scopes: ["api:read"] },
      { provider: "test", account, scopes: ["api:read"] },
      { provider: "test", account, scopes: ["api:read", "api:write"] },
      { provider: "test", account: "nobody@example.com", scopes: ["api:read"] },
      { provider: "test", account, scopes: ["api:read"], forceRefresh: false },
    ];
    for (const ask of asks) {
      const untracedResult = await plain.resolve(ask);
      expect(seen(untracedResult)).toEqual(seen(await traced.resolve(ask)));
      expect(JSON.stringify(seen(untracedResult))).toBe(JSON.stringify(seen(await traced.resolve(ask))));
      expect(seen(await plainUntrusted.resolve(ask))).toEqual(seen(await tracedUntrusted.resolve(ask)));
    }
    const hit = await plain.resolve(asks[0] as (typeof asks)[0]);
    expect(hit).toMatchObject({ kind: "token", accessToken: "a", source: "storedCredentials" });
    if (hit.kind !== "token") return;
    expect(hit.trace).toEqual([
      { source: "bearerJwt", outcome: "not_applicable", reason: "not configured" },
      { source: "providerTokens", outcome: "not_applicable", reason: "not configured" },
      { source: "sessions", outcome: "not_applicable", reason: "not configured" },
      { source: "storedCredentials", outcome: "resolved" },
      { source: "authorize", outcome: "skipped" },
    ]);
    // The traced resolver still has a span for every link it called, unconfigured ones included.
    const roots = telemetry.spans().filter((span) => span.name === "credstack.resolve");
    const first = roots[0]?.spanContext().spanId;
    const links = telemetry
      .spans()
      .filter(
        (span) => span.name.startsWith("credstack.source ") && span.parentSpanContext?.spanId === first,
      );
    expect(links.map((span) => span.attributes["credstack.source"])).toEqual([
      "bearerJwt",
      "providerTokens",
      "sessions",
      "storedCredentials",
    ]);
    await Promise.all([plain.close(), traced.close(), plainUntrusted.close(), tracedUntrusted.close()]);
  });

  it("rejects bad input as before (ERR_INVALID_ARGUMENT, as a rejection)", async () => {
    const { plain } = await resolvers();
    const call = plain.resolve({ provider: "test", scopes: "api:read" as unknown as string[] });
    await expect(call).rejects.toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
    await plain.close();
  });

  it("honours an AbortSignal: aborted before the call, and while a source works", async () => {
    let calls = 0;
    let release: () => void = () => {};
    const slow: Source = {
      name: "slow",
      async resolve() {
        calls++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return notApplicable("slow");
      },
    };
    const resolver = createResolver({ chain: [...defaultChain({}).slice(0, 3), slow] });
    const before = new AbortController();
    before.abort();
    const ask = { provider: "test", scopes: ["api:read"] };
    await expect(resolver.resolve(ask, { signal: before.signal })).rejects.toMatchObject({
      code: "ERR_ABORTED",
    });
    expect(calls).toBe(0);
    const during = new AbortController();
    const pending = resolver.resolve(ask, { signal: during.signal });
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    during.abort();
    await expect(pending).rejects.toMatchObject({ code: "ERR_ABORTED" });
    release();
    await resolver.close();
  });

  it("a resolver made before an SDK is registered records spans and metrics once one is", async () => {
    const { plain } = await resolvers();
    const ask = { provider: "test", account, scopes: ["api:read"] };
    await plain.resolve(ask);
    const telemetry = memoryTelemetry();
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    const result = await plain.resolve(ask);
    expect(result.kind).toBe("token");
    const root = telemetry.spans().find((span) => span.name === "credstack.resolve");
    expect(root?.attributes["credstack.result"]).toBe("token");
    const links = telemetry.spans().filter((span) => span.name.startsWith("credstack.source "));
    expect(links.map((span) => span.attributes["credstack.source"])).toEqual([
      "bearerJwt",
      "providerTokens",
      "sessions",
      "storedCredentials",
    ]);
    expect(links.every((span) => span.parentSpanContext?.spanId === root?.spanContext().spanId)).toBe(true);
    await plain.close();
  });

  it("with a meter provider only, resolves are counted (no spans)", async () => {
    const telemetry = memoryTelemetry();
    const resolver = createResolver({ chain: defaultChain({}), meterProvider: telemetry.meterProvider });
    const result = await resolver.resolve({ provider: "test", scopes: ["api:read"] });
    expect(result).toMatchObject({ kind: "unauthorized", error: "identity_required" });
    const points = await telemetry.points();
    expect(points.find((point) => point.name === "credstack.resolves")?.attributes).toMatchObject({
      "credstack.provider": "test",
      "credstack.result": "unauthorized",
    });
    expect(telemetry.spans()).toHaveLength(0);
    await resolver.close();
  });
});
