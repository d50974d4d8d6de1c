import { memoryStore } from "@credstack/storage";
import { memoryTelemetry } from "@credstack/test-services/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizer, createRefresher, createResolver, defaultChain } from "../src/index.js";
import { manualClock } from "./helpers/clock.js";
import { type ScriptedTokenServer, startScriptedTokenServer } from "./helpers/scripted-token-server.js";

const account = "carol.secret-account@example.com";
const seededAccess = "seed-access-7f3c9d";
const seededRefresh = "seed-refresh-91ab2e";
const newAccess = "fresh-access-55d0aa";
const newRefresh = "fresh-refresh-c0ffee";

let tokens: ScriptedTokenServer;
beforeAll(async () => {
  tokens = await startScriptedTokenServer({ timeoutMs: 10_000 });
});
afterAll(async () => {
  await tokens?.close();
});

async function setup() {
  const telemetry = memoryTelemetry();
  const clock = manualClock();
  const store = memoryStore({ now: clock });
  const providers = { test: tokens.config };
  const refresher = createRefresher({ store, providers, clock, ...telemetry });
  const authorizer = createAuthorizer({ store, providers, refresher, clock, ...telemetry });
  const resolver = createResolver({
    chain: defaultChain({ refresher, authorizer }),
    providers,
    clock,
    trustAccountArgument: true,
    ...telemetry,
  });
  await store.put(
    {
      provider: "test",
      account,
      accessToken: seededAccess,
      refreshToken: seededRefresh,
      scopes: ["api:read"],
      expiresAt: clock() - 1,
    },
    { expectedVersion: 0 },
  );
  return { telemetry, clock, store, resolver };
}

const ask = { provider: "test", account, scopes: ["api:read"] };
const granted = {
  status: 200,
  body: { access_token: newAccess, refresh_token: newRefresh, token_type: "Bearer", expires_in: 3600 },
};

describe("OpenTelemetry spans and metrics", () => {
  it("resolve → span per call with the result kind, a child span per source, refresh, lease wait, token endpoint, store calls", async () => {
    tokens.reply(granted);
    const { telemetry, resolver } = await setup();
    const result = await resolver.resolve(ask);
    expect(result.kind).toBe("token");
    const again = await resolver.resolve(ask); // served from the record cache
    expect(again.kind).toBe("token");

    const spans = telemetry.spans();
    const named = (name: string) => spans.filter((span) => span.name === name);
    const resolves = named("credstack.resolve");
    expect(resolves).toHaveLength(2);
    expect(resolves[0]?.attributes["credstack.result"]).toBe("token");
    expect(resolves[0]?.attributes["credstack.source"]).toBe("storedCredentials");
    const root = resolves[0]?.spanContext().spanId;
    const sources = spans.filter((span) => span.name.startsWith("credstack.source "));
    const firstCall = sources.filter((span) => span.parentSpanContext?.spanId === root);
    expect(firstCall.map((span) => span.attributes["credstack.source"])).toEqual([
      "bearerJwt",
      "providerTokens",
      "sessions",
      "storedCredentials",
    ]);
    expect(firstCall.at(-1)?.attributes["credstack.outcome"]).toBe("resolved");
    const refresh = named("credstack.refresh");
    expect(refresh).toHaveLength(1);
    expect(refresh[0]?.attributes["credstack.outcome"]).toBe("token");
    const stored = firstCall.at(-1)?.spanContext().spanId;
    expect(refresh[0]?.parentSpanContext?.spanId).toBe(stored);
    const refreshId = refresh[0]?.spanContext().spanId;
    expect(named("credstack.refresh.lease_wait")[0]?.parentSpanContext?.spanId).toBe(refreshId);
    const endpoint = named("credstack.token_endpoint");
    expect(endpoint[0]?.attributes["http.response.status_code"]).toBe(200);
    expect(endpoint[0]?.parentSpanContext?.spanId).toBe(refreshId);
    expect(named("credstack.store.get").length).toBeGreaterThan(0);
    expect(named("credstack.store.put")).toHaveLength(1);
    expect(named("credstack.store.lease")).toHaveLength(1);

    const points = await telemetry.points();
    const point = (name: string, attributes: Record<string, unknown>) =>
      points.find(
        (p) => p.name === name && Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
      );
    expect(
      point("credstack.resolves", { "credstack.provider": "test", "credstack.result": "token" })?.value,
    ).toBe(2);
    expect(point("credstack.refreshes", { "credstack.outcome": "refreshed" })?.value).toBe(1);
    expect(point("credstack.cache.lookups", { "credstack.result": "miss" })?.value).toBe(1);
    expect(point("credstack.cache.lookups", { "credstack.result": "hit" })?.value).toBe(1);
    const storeGet = point("credstack.store.duration", {
      "credstack.store.operation": "get",
      "credstack.outcome": "ok",
    });
    expect((storeGet?.value as { count: number } | undefined)?.count).toBeGreaterThan(0);
    const provider = point("credstack.provider.duration", {
      "credstack.provider": "test",
      "credstack.outcome": "200",
    });
    expect((provider?.value as { count: number } | undefined)?.count).toBe(1);
  });

  it("no secret and no account appears in any span name, attribute, status or metric label", async () => {
    tokens.reply(granted);
    const { telemetry, resolver } = await setup();
    await resolver.resolve(ask);
    tokens.reply({ status: 400, body: { error: "invalid_grant" } });
    await resolver.resolve({ ...ask, forceRefresh: true });
    const text = await telemetry.allText();
    expect(text).toContain("credstack.resolve");
    for (const secret of [
      account,
      "carol",
      seededAccess,
      seededRefresh,
      newAccess,
      newRefresh,
      "scripted-secret",
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("a failed refresh marks the spans with the error code and counts the outcome", async () => {
    tokens.reply({ status: 503 });
    const { telemetry, resolver } = await setup();
    await expect(resolver.resolve(ask)).rejects.toMatchObject({ code: "ERR_REFRESH_FAILED" });
    const resolve = telemetry.spans().find((span) => span.name === "credstack.resolve");
    expect(resolve?.attributes["credstack.result"]).toBe("error");
    expect(resolve?.attributes["error.type"]).toBe("ERR_REFRESH_FAILED");
    const points = await telemetry.points();
    expect(
      points.find((p) => p.name === "credstack.refreshes" && p.attributes["credstack.outcome"] === "failed")
        ?.value,
    ).toBe(1);
    expect(
      points.find((p) => p.name === "credstack.resolves" && p.attributes["credstack.result"] === "error")
        ?.value,
    ).toBe(1);
    expect(
      points.find(
        (p) => p.name === "credstack.provider.duration" && p.attributes["credstack.outcome"] === "503",
      ),
    ).toBeDefined();
  });
});

describe("resolve() with an AbortSignal", () => {
  it("an already aborted signal rejects with ERR_ABORTED before any source runs", async () => {
    const { telemetry, resolver } = await setup();
    const controller = new AbortController();
    controller.abort(new Error("caller went away"));
    const error = await resolver.resolve(ask, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ERR_ABORTED", name: "AbortError" });
    expect(telemetry.spans().filter((span) => span.name.startsWith("credstack.source"))).toHaveLength(0);
    const points = await telemetry.points();
    expect(points.find((p) => p.name === "credstack.resolves")?.attributes["credstack.result"]).toBe(
      "aborted",
    );
  });

  it("aborting while a shared refresh is in flight rejects that caller at once; the other caller still gets the token", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = tokens.requests.length;
    tokens.reply(async () => {
      await gate;
      return granted;
    });
    const { resolver } = await setup();
    const controller = new AbortController();
    const aborted = resolver.resolve(ask, { signal: controller.signal });
    const patient = resolver.resolve(ask);
    while (tokens.requests.length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: "ERR_ABORTED" });
    release();
    const result = await patient;
    expect(result.kind === "token" && result.accessToken).toBe(newAccess);
    expect(tokens.requests.length - before).toBe(1);
  });
});
