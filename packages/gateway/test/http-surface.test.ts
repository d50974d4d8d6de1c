import { memoryStore } from "@credstack/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createGateway, hashApiKey } from "../src/index.js";
import { alice, type Harness, keyA, keyB, startHarness } from "./helpers/setup.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    apiKeys: [
      { id: "a", hash: hashApiKey(keyA), mode: "unrestricted" },
      { id: "b", hash: hashApiKey(keyB), mode: "unrestricted", rateLimit: 3 },
    ],
    // This file sends many wrong keys on purpose; the failed-authentication limit has its own test.
    failedAuthLimit: { max: 1000 },
  });
});
afterAll(async () => {
  await h?.close();
});

describe("API keys", () => {
  it("every endpoint but the callback and health needs a valid X-API-Key", async () => {
    const protectedCalls: [string, string, unknown?][] = [
      ["POST", "/auth/init", { provider: "test", account: alice }],
      ["POST", "/auth/token", { provider: "test", account: alice }],
      ["GET", "/auth/status/0123456789abcdef0123456789abcdef"],
      ["GET", `/auth/providers/${alice}`],
      ["DELETE", "/auth/revoke", { provider: "test", account: alice }],
      ["GET", "/openapi.json"],
    ];
    for (const [method, path, body] of protectedCalls) {
      for (const key of [null, "", "csk_wrong", `${keyA}x`, keyA.slice(0, -1)]) {
        const answer = await h.call(method, path, body, key);
        expect(answer.status, `${method} ${path} with ${key}`).toBe(401);
        expect(answer.json.error).toBe("invalid_api_key");
      }
    }
    expect((await h.call("GET", "/health", undefined, null)).status).toBe(200);
    const callback = await h.call("GET", "/auth/callback/test?state=nope&code=x", undefined, null);
    expect(callback.status).toBe(400); // reached the handler: no API key needed
  });

  it("keys are configured as hashes only", async () => {
    await expect(
      createGateway({
        store: memoryStore(),
        providers: {},
        apiKeys: [{ id: "x", hash: keyA, mode: "unrestricted" }],
      }),
    ).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
  });
});

describe("rate limits per API key", () => {
  it("a key over its limit gets 429 while another key is unaffected", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await h.call("GET", `/auth/providers/${alice}`, undefined, keyB)).status);
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const limited = await h.call("GET", `/auth/providers/${alice}`, undefined, keyB);
    expect(limited.json.error).toBe("rate_limited");
    expect((await h.call("GET", `/auth/providers/${alice}`)).status).toBe(200);
  });
});

describe("validation", () => {
  it("rejects malformed bodies with 400 invalid_request and the issues", async () => {
    for (const body of [
      {},
      { provider: "test" },
      { provider: "Test!", account: alice },
      { provider: "test", account: alice, extra: 1 },
      { provider: "test", account: alice, scopes: "api:read" },
      { provider: "test", account: "" },
    ]) {
      const answer = await h.call("POST", "/auth/token", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error).toBe("invalid_request");
      expect(answer.json.issues.length).toBeGreaterThan(0);
    }
    const notJson = await fetch(`${h.base}/auth/token`, {
      method: "POST",
      headers: { "x-api-key": keyA, "content-type": "application/json" },
      body: "{",
    });
    expect(notJson.status).toBe(400);
  });

  it("unknown providers are 404 unknown_provider", async () => {
    const answer = await h.call("POST", "/auth/token", { provider: "nope", account: alice });
    expect(answer.status).toBe(404);
    expect(answer.json.error).toBe("unknown_provider");
  });

  it("unknown scope names are 400 unknown_scope (registry providers)", async () => {
    const gateway = await createGateway({
      store: memoryStore(),
      providers: {
        google: {
          issuer: "https://accounts.google.com",
          authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
          token_endpoint: "https://oauth2.googleapis.com/token",
          clientId: "id",
          redirectUri: "http://127.0.0.1:1/auth/callback/google",
          identityProof: { method: "id_token" },
        },
      },
      apiKeys: [{ id: "a", hash: hashApiKey(keyA), mode: "unrestricted" }],
      sweepIntervalMs: 0,
    });
    const answer = await gateway.app.inject({
      method: "POST",
      url: "/auth/init",
      headers: { "x-api-key": keyA },
      payload: { provider: "google", account: alice, scopes: ["calendar_ful"] },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error).toBe("unknown_scope");
    const ok = await gateway.app.inject({
      method: "POST",
      url: "/auth/init",
      headers: { "x-api-key": keyA },
      payload: { provider: "google", account: alice, scopes: ["drive.readonly"] },
    });
    expect(ok.statusCode).toBe(200);
    const url = new URL(ok.json().authorizationUrl);
    // The identity proof's scopes (openid email) ride along with the requested ones.
    expect(url.searchParams.get("scope")?.split(" ")).toContain(
      "https://www.googleapis.com/auth/drive.readonly",
    );
    expect(url.searchParams.get("scope")?.split(" ")).toContain("openid");
    expect(url.searchParams.get("access_type")).toBe("offline");
    await gateway.close();
  });
});

describe("browser-facing defaults", () => {
  it("CORS is off: no Access-Control-Allow-Origin, preflight not answered", async () => {
    const response = await fetch(`${h.base}/health`, { headers: { origin: "https://evil.example" } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${h.base}/auth/token`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("CORS can be enabled for listed origins only", async () => {
    const gateway = await createGateway({
      store: memoryStore(),
      providers: {},
      apiKeys: [],
      corsOrigins: ["https://app.example"],
      sweepIntervalMs: 0,
    });
    const allowed = await gateway.app.inject({
      method: "GET",
      url: "/health",
      headers: { origin: "https://app.example" },
    });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example");
    const other = await gateway.app.inject({
      method: "GET",
      url: "/health",
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    await gateway.close();
  });

  it("the callback page has security headers, no-store and escapes what it shows", async () => {
    const response = await fetch(
      `${h.base}/auth/callback/test?state=${encodeURIComponent("<script>")}&code=x`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("strict-transport-security")).toContain("max-age=");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const html = await response.text();
    expect(html).not.toContain("<script");
  });

  it("token answers are not cacheable", async () => {
    const answer = await h.call("POST", "/auth/token", { provider: "test", account: alice });
    expect(answer.headers.get("cache-control")).toBe("no-store");
  });
});

describe("OpenAPI and health", () => {
  it("serves an OpenAPI 3.1 document generated from the zod schemas", async () => {
    const answer = await h.call("GET", "/openapi.json");
    expect(answer.status).toBe(200);
    const doc = answer.json;
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/auth/callback/{provider}",
        "/auth/init",
        "/auth/providers/{account}",
        "/auth/revoke",
        "/auth/status/{sessionId}",
        "/auth/token",
        "/health",
        "/openapi.json",
        "/oauth/token",
      ].sort(),
    );
    const token = doc.components.schemas.TokenRequest;
    expect(token.additionalProperties).toBe(false);
    expect(token.required).toEqual(["provider"]);
    expect(doc.components.schemas.AuthorizationStarted.properties.flows.items.$ref).toBe(
      "#/components/schemas/AuthorizationFlow",
    );
    // Every $ref resolves.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    for (const ref of refs) expect(doc.components.schemas[ref.split("/").pop() as string], ref).toBeDefined();
    expect(doc.components.securitySchemes.apiKey).toEqual({
      type: "apiKey",
      in: "header",
      name: "x-api-key",
    });
    z.object({ openapi: z.literal("3.1.0") }).parse(doc);
  });

  it("health reports the store and answers 503 when it is down", async () => {
    const healthy = await h.call("GET", "/health", undefined, null);
    expect(healthy.json).toMatchObject({ status: "ok", store: "ok" });
    const broken = memoryStore();
    await broken.close();
    const failing = {
      ...broken,
      capabilities: broken.capabilities,
      get: async () => {
        const { StoreUnavailableError } = await import("@credstack/storage");
        throw new StoreUnavailableError("down");
      },
    } as unknown as typeof broken;
    const gateway = await createGateway({ store: failing, providers: {}, apiKeys: [], sweepIntervalMs: 0 });
    const answer = await gateway.app.inject({ method: "GET", url: "/health" });
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({ status: "unavailable", store: "unavailable" });
    await gateway.close();
  });
});

describe("refresh failures", () => {
  it("an unreachable token endpoint answers 503 refresh_failed and keeps the credential", async () => {
    const store = memoryStore();
    const gateway = await createGateway({
      store,
      providers: {
        down: {
          issuer: "http://127.0.0.1:9",
          authorization_endpoint: "http://127.0.0.1:9/auth",
          token_endpoint: "http://127.0.0.1:9/token",
          clientId: "c",
          redirectUri: "http://127.0.0.1:9/cb",
          identityProof: { method: "none" },
          scopes: "plain",
          allowInsecureRequests: true,
          timeoutMs: 500,
        },
      },
      apiKeys: [{ id: "a", hash: hashApiKey(keyA), mode: "unrestricted" }],
      sweepIntervalMs: 0,
    });
    const saved = await store.put(
      {
        provider: "down",
        account: alice,
        accessToken: "old-access",
        refreshToken: "old-refresh",
        tokenType: "Bearer",
        expiresAt: Date.now() - 1000,
        scopes: [],
      },
      { expectedVersion: 0 },
    );
    const answer = await gateway.app.inject({
      method: "POST",
      url: "/auth/token",
      headers: { "x-api-key": keyA },
      payload: { provider: "down", account: alice },
    });
    expect(answer.statusCode).toBe(503);
    expect(answer.json().error).toBe("refresh_failed");
    expect(answer.body).not.toContain("old-refresh");
    expect((await store.get({ provider: "down", account: alice }))?.version).toBe(saved.version);
    await gateway.close();
  });
});
