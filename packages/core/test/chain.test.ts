import { memoryStore } from "@credstack/storage";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthorizationFailedError, CoreConfigError } from "../src/errors.js";
import {
  bearerJwt,
  createAuthorizer,
  createResolver,
  memoryAccountLinks,
  memoryProviderTokens,
  memorySessionStore,
  memoryTransactionStore,
  notApplicable,
  resolved,
  type Source,
} from "../src/index.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";
import { alice, setup, signIn, testScopes } from "./helpers/setup.js";

let server: AuthServer;
beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

const audience = "urn:credstack:test-api";
async function jwt(
  claims: Record<string, unknown>,
  options: { expiresIn?: string | number; audience?: string; alg?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? "ES256", kid: server.kid })
    .setIssuer(server.issuer)
    .setAudience(options.audience ?? audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m")
    .sign(server.privateKey);
}
const bearerOptions = () => ({ jwksUrl: server.jwksUrl, issuer: server.issuer, audience });
const withBearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe("bearer JWT (verified through the server's JWKS over HTTP)", () => {
  it("identifies the caller; the stored credential of its account resolves", async () => {
    const parts = setup(
      { test: server.config },
      { trustAccountArgument: false, chain: { bearer: bearerOptions() } },
    );
    const token = await jwt({ sub: "user-1", email: alice });
    // Without a stored credential: the fallback, for the identity's account.
    const first = await parts.resolver.resolve({
      request: withBearer(token),
      provider: "test",
      scopes: testScopes,
    });
    expect(first.kind).toBe("authorization_required");
    if (first.kind !== "authorization_required") return;
    expect(first.trace[0]).toMatchObject({
      source: "bearerJwt",
      outcome: "not_applicable",
      identified: true,
    });
    expect(first.identity).toMatchObject({
      account: alice,
      via: "bearerJwt",
      claims: { sub: "user-1", email: alice },
    });
    expect(new URL(first.url).searchParams.get("login_hint")).toBe(alice);
    await parts.authorizer.handleCallback(await server.authorize(first.url, alice));
    const second = await parts.resolver.resolve({
      request: withBearer(token),
      provider: "test",
      scopes: ["api:read"],
    });
    expect(second).toMatchObject({ kind: "token", account: alice, source: "storedCredentials" });
    expect(second.identity?.id).toMatch(/#user-1$/);
  });

  it("a present but invalid token stops the chain with unauthorized(invalid_token)", async () => {
    const parts = setup({ test: server.config }, { chain: { bearer: bearerOptions() } });
    await signIn(server, parts);
    const cases = [
      await jwt({ sub: "u", email: alice }, { audience: "someone-else" }),
      await jwt({ sub: "u", email: alice }, { expiresIn: Math.floor(parts.clock() / 1000) - 120 }),
      `${(await jwt({ sub: "u" })).slice(0, -4)}AAAA`,
      "not-a-jwt",
      await new SignJWT({ sub: "u" })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(server.issuer)
        .setAudience(audience)
        .setExpirationTime("5m")
        .sign(new Uint8Array(32)),
    ];
    for (const token of cases) {
      const result = await parts.resolver.resolve({
        request: withBearer(token),
        provider: "test",
        account: alice,
        scopes: ["api:read"],
      });
      expect(result.kind).toBe("unauthorized");
      if (result.kind !== "unauthorized") continue;
      expect(result.error).toBe("invalid_token");
      expect(result.trace.map((entry) => entry.outcome)).toEqual([
        "failed",
        "skipped",
        "skipped",
        "skipped",
        "skipped",
      ]);
      expect(result.trace[0]?.code).toBe("ERR_INVALID_TOKEN");
      expect(JSON.stringify(result)).not.toContain(token);
    }
  });

  it("requires exp; tolerates skew up to clockToleranceSec; refuses tolerance > 60 and none/HS algorithms", async () => {
    expect(() => bearerJwt({ ...bearerOptions(), clockToleranceSec: 61 })).toThrow(CoreConfigError);
    expect(() => bearerJwt({ ...bearerOptions(), algorithms: ["HS256"] })).toThrow(CoreConfigError);
    expect(() => bearerJwt({ ...bearerOptions(), algorithms: ["none"] })).toThrow(CoreConfigError);
    const parts = setup(
      { test: server.config },
      { chain: { bearer: { ...bearerOptions(), clockToleranceSec: 60 } } },
    );
    const noExp = await new SignJWT({ sub: "u" })
      .setProtectedHeader({ alg: "ES256", kid: server.kid })
      .setIssuer(server.issuer)
      .setAudience(audience)
      .sign(server.privateKey);
    const missing = await parts.resolver.resolve({
      request: withBearer(noExp),
      provider: "test",
      scopes: ["api:read"],
    });
    expect(missing).toMatchObject({ kind: "unauthorized", error: "invalid_token" });
    const justExpired = await jwt(
      { sub: "u", email: alice },
      { expiresIn: Math.floor(parts.clock() / 1000) - 30 },
    );
    const tolerated = await parts.resolver.resolve({
      request: withBearer(justExpired),
      provider: "test",
      scopes: ["api:read"],
    });
    expect(tolerated.kind).toBe("authorization_required");
    const rs = bearerJwt({ ...bearerOptions(), algorithms: ["RS256"] });
    const strict = setup(
      { test: server.config },
      { chain: { bearer: { ...bearerOptions(), algorithms: ["RS256"] } } },
    );
    void rs;
    const es = await strict.resolver.resolve({
      request: withBearer(await jwt({ sub: "u" })),
      provider: "test",
      scopes: ["api:read"],
    });
    expect(es).toMatchObject({ kind: "unauthorized", error: "invalid_token" });
  });

  it("a JWT that is itself this provider's token is returned when its scope claim covers the request", async () => {
    const parts = setup(
      { test: server.config },
      { chain: { bearer: { ...bearerOptions(), provider: "test" } } },
    );
    const token = await jwt({ sub: "u", email: alice, scope: "api:read api:write" });
    const result = await parts.resolver.resolve({
      request: withBearer(token),
      provider: "test",
      scopes: ["api:read"],
    });
    expect(result).toMatchObject({ kind: "token", accessToken: token, source: "bearerJwt", account: alice });
    expect(result.identity).toMatchObject({ account: alice, claims: { scope: "api:read api:write" } });
    expect(result.trace[0]).toMatchObject({ source: "bearerJwt", outcome: "resolved", identified: true });
    const narrower = await parts.resolver.resolve({
      request: withBearer(await jwt({ sub: "u", email: alice, scope: "api:write" })),
      provider: "test",
      scopes: ["api:read"],
    });
    expect(narrower.kind).toBe("authorization_required");
  });
});

describe("accounts: the argument only selects among the identity's accounts", () => {
  it("linked accounts can be selected; others cannot; no identity means no account by argument", async () => {
    const links = memoryAccountLinks({ [`${"http://x"}#none`]: { primary: "x", linked: [] } });
    const parts = setup(
      { test: server.config },
      { trustAccountArgument: false, accountLinks: links, chain: { bearer: bearerOptions() } },
    );
    const identityId = `${server.issuer}#user-2`;
    await links.set(identityId, { primary: alice, linked: ["Bob@Example.com"] });
    await parts.store.put(
      { provider: "test", account: "bob@example.com", accessToken: "bob-token", scopes: ["api:read"] },
      { expectedVersion: 0 },
    );
    await parts.store.put(
      { provider: "test", account: "carol@example.com", accessToken: "carol-token", scopes: ["api:read"] },
      { expectedVersion: 0 },
    );
    const token = await jwt({ sub: "user-2", email: alice });
    const bob = await parts.resolver.resolve({
      request: withBearer(token),
      provider: "test",
      account: " BOB@example.com",
      scopes: ["api:read"],
    });
    expect(bob).toMatchObject({ kind: "token", accessToken: "bob-token" });
    const carol = await parts.resolver.resolve({
      request: withBearer(token),
      provider: "test",
      account: "carol@example.com",
      scopes: ["api:read"],
    });
    expect(carol).toMatchObject({ kind: "unauthorized", error: "account_not_allowed" });
    expect(JSON.stringify(carol)).not.toContain("carol-token");
    const anonymous = await parts.resolver.resolve({
      provider: "test",
      account: "carol@example.com",
      scopes: ["api:read"],
    });
    expect(anonymous).toMatchObject({ kind: "unauthorized", error: "identity_required" });
    expect(JSON.stringify(anonymous)).not.toContain("carol-token");
    // The single-user local mode honours the argument.
    const local = setup({ test: server.config }, { store: parts.store, trustAccountArgument: true });
    expect(
      await local.resolver.resolve({ provider: "test", account: "carol@example.com", scopes: ["api:read"] }),
    ).toMatchObject({ kind: "token", accessToken: "carol-token" });
  });
});

describe("sessions", () => {
  it("identify the caller; idle and absolute expiry; reads never extend the absolute lifetime", async () => {
    const parts = setup({ test: server.config }, { trustAccountArgument: false });
    const sessionStore = memorySessionStore({
      idleTimeoutMs: 60_000,
      absoluteTimeoutMs: 150_000,
      clock: parts.clock,
    });
    const withSessions = setup(
      { test: server.config },
      { store: parts.store, trustAccountArgument: false, chain: { sessions: sessionStore } },
    );
    withSessions.clock.set(parts.clock());
    await parts.store.put(
      { provider: "test", account: alice, accessToken: "alice-token", scopes: ["api:read"] },
      { expectedVersion: 0 },
    );
    const session = await sessionStore.create({ account: alice });
    const request = { headers: { cookie: `other=1; credstack_session=${session.id}` } };
    const ok = await withSessions.resolver.resolve({ request, provider: "test", scopes: ["api:read"] });
    expect(ok).toMatchObject({ kind: "token", accessToken: "alice-token" });
    expect(ok.trace[2]).toMatchObject({ source: "sessions", identified: true });
    expect(JSON.stringify(ok.trace)).not.toContain(session.id);
    // Keep using it every 50 s: idle never hits, but the absolute end (150 s) does.
    for (let i = 0; i < 2; i++) {
      parts.clock.advance(50_000);
      expect(await sessionStore.get(session.id)).toBeDefined();
    }
    parts.clock.advance(50_000);
    expect(await sessionStore.get(session.id)).toBeUndefined();
    // Idle expiry.
    const idle = await sessionStore.create({ account: alice });
    parts.clock.advance(60_000);
    expect(await sessionStore.get(idle.id)).toBeUndefined();
    await sessionStore.close();
  });

  it("are swept on a timer without any request; close() stops the timer", async () => {
    let now = 0;
    const store = memorySessionStore({
      idleTimeoutMs: 1000,
      absoluteTimeoutMs: 5000,
      sweepIntervalMs: 10,
      clock: () => now,
    });
    await store.create({ account: alice });
    await store.create({ account: "bob@example.com" });
    expect(store.size).toBe(2);
    now = 2000;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(store.size).toBe(0);
    await store.close();
    await store.create({ account: alice });
    now = 10_000;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(store.size).toBe(1);
  });
});

describe("provider tokens", () => {
  it("serve in-memory tokens for the verified account when fresh and covering", async () => {
    const tokens = memoryProviderTokens();
    const parts = setup({ test: server.config }, { chain: { providerTokens: tokens } });
    tokens.set(
      { provider: "test", account: alice },
      { accessToken: "idp-token", scopes: ["api:read"], expiresAt: parts.clock() + 60_000 },
    );
    const hit = await parts.resolver.resolve({ provider: "test", account: alice, scopes: ["api:read"] });
    expect(hit).toMatchObject({ kind: "token", accessToken: "idp-token", source: "providerTokens" });
    const more = await parts.resolver.resolve({ provider: "test", account: alice, scopes: ["api:write"] });
    expect(more.trace[1]).toMatchObject({
      outcome: "not_applicable",
      reason: "the in-memory provider token lacks requested scopes",
    });
    parts.clock.advance(60_000);
    const expired = await parts.resolver.resolve({ provider: "test", account: alice, scopes: ["api:read"] });
    expect(expired.trace[1]?.reason).toMatch(/expired/);
  });
});

describe("chain semantics", () => {
  it("only notApplicable advances; unexpected errors reject unchanged; resolved stops", async () => {
    const boom = new Error("boom");
    const calls: string[] = [];
    const source = (name: string, behave: () => ReturnType<Source["resolve"]>): Source => ({
      name,
      resolve: async () => {
        calls.push(name);
        return behave();
      },
    });
    const token = { kind: "token" as const, accessToken: "t", scopes: [], account: "a" };
    const resolver = createResolver({
      chain: [
        source("a", async () => notApplicable("nope")),
        source("b", async () => resolved(token)),
        source("c", async () => notApplicable("x")),
      ],
    });
    const result = await resolver.resolve({ provider: "x", scopes: [] });
    expect(result).toMatchObject({ kind: "token", source: "b" });
    expect(result.trace).toEqual([
      { source: "a", outcome: "not_applicable", reason: "nope" },
      { source: "b", outcome: "resolved" },
      { source: "c", outcome: "skipped" },
    ]);
    const failing = createResolver({
      chain: [
        source("d", async () => {
          throw boom;
        }),
        source("e", async () => resolved(token)),
      ],
    });
    await expect(failing.resolve({ provider: "x", scopes: [] })).rejects.toBe(boom);
    expect(calls).not.toContain("e");
  });
});

describe("authorization fallback", () => {
  it("PKCE S256 + state; transaction stored before the URL; replayed state fails; iss is checked", async () => {
    const parts = setup({ test: server.config });
    const result = await parts.resolver.resolve({ provider: "test", account: alice, scopes: testScopes });
    if (result.kind !== "authorization_required") throw new Error(result.kind);
    const url = new URL(result.url);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toBe(result.transactionId);
    expect(result.transactionId.length).toBeGreaterThanOrEqual(43);
    const callback = await server.authorize(result.url);
    expect(new URL(callback).searchParams.get("iss")).toBe(server.issuer);
    const record = await parts.authorizer.handleCallback(callback);
    expect(record).toMatchObject({ provider: "test", account: alice, issuer: server.issuer });
    const replay = await parts.authorizer.handleCallback(callback).catch((e: unknown) => e);
    expect(replay).toBeInstanceOf(AuthorizationFailedError);
    expect((replay as AuthorizationFailedError).reason).toBe("unknown_state");
    // iss mismatch (RFC 9207) on a fresh transaction.
    const again = await parts.resolver.resolve({ provider: "test", account: alice, scopes: ["api:write"] });
    if (again.kind !== "authorization_required") throw new Error(again.kind);
    const forged = new URL(await server.authorize(again.url));
    forged.searchParams.set("iss", "https://evil.example");
    const mismatch = await parts.authorizer.handleCallback(forged).catch((e: unknown) => e);
    expect(mismatch).toMatchObject({ code: "ERR_AUTHORIZATION_FAILED", reason: "invalid_response" });
  });

  it("concurrent fallbacks for the same key share one pending transaction", async () => {
    const parts = setup({ test: server.config });
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        parts.resolver.resolve({ provider: "test", account: alice, scopes: ["api:read"] }),
      ),
    );
    const ids = new Set(
      results.map((result) => (result.kind === "authorization_required" ? result.transactionId : "")),
    );
    expect(ids.size).toBe(1);
    const other = await parts.resolver.resolve({
      provider: "test",
      account: "bob@example.com",
      scopes: ["api:read"],
    });
    expect(other.kind === "authorization_required" && other.transactionId).not.toBe([...ids][0]);
  });

  it("replicas sharing a transaction store never hand out a transaction another one completed", async () => {
    const transactions = memoryTransactionStore();
    const replica = () =>
      createAuthorizer({ store: memoryStore(), providers: { test: server.config }, transactions });
    const [a, b] = [replica(), replica()];
    const request = { provider: "test", account: alice, scopes: ["api:read"] };
    const first = (await a.begin(request)).flows[0]!;
    expect((await a.begin(request)).flows[0]?.transactionId).toBe(first.transactionId); // shared while pending
    await b.handleCallback(await server.authorize(first.url, alice)); // completed on the other replica
    const again = (await a.begin(request)).flows[0]!;
    expect(again.transactionId).not.toBe(first.transactionId);
    expect(await transactions.has?.(again.transactionId)).toBe(true);
  });

  it("an expired transaction cannot be completed", async () => {
    const parts = setup({ test: server.config });
    const result = await parts.resolver.resolve({ provider: "test", account: alice, scopes: testScopes });
    if (result.kind !== "authorization_required") throw new Error(result.kind);
    const callback = await server.authorize(result.url);
    parts.clock.advance(600_001);
    await expect(parts.authorizer.handleCallback(callback)).rejects.toMatchObject({
      reason: "unknown_state",
    });
  });
});
