import type { AddressInfo } from "node:net";
import {
  type AuthorizationRequiredContent,
  authorizationRequiredToolResult,
  bearerJwt,
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  type Resolver,
} from "@credstack/core";
import { memoryStore } from "@credstack/storage";
import { InvalidTokenError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolverTokenVerifier, type ToolExtra, withProviderToken } from "../src/index.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";

const alice = "alice@example.com";
const audience = "http://127.0.0.1:1/mcp";
const callback = "http://127.0.0.1:9/callback";
let server: AuthServer;
let identity: Resolver;
let main: ReturnType<typeof mainResolver>;

function mainResolver() {
  const store = memoryStore();
  const providers = { demo: server.config };
  const refresher = createRefresher({ store, providers });
  const authorizer = createAuthorizer({ store, providers, refresher });
  const bearer = { jwksUrl: server.jwksUrl, issuer: server.issuer, audience };
  const resolver = createResolver({ chain: defaultChain({ bearer, refresher, authorizer }), providers });
  return { store, authorizer, resolver };
}

const now = () => Math.floor(Date.now() / 1000);
const accessJwt = (claims: Record<string, unknown> = {}) =>
  server.signJwt({
    iss: server.issuer,
    aud: audience,
    sub: "user-1",
    email: alice,
    client_id: "agent-1",
    scope: "mcp:tools",
    iat: now(),
    exp: now() + 300,
    ...claims,
  });
const extraWith = (token?: string) =>
  ({
    signal: new AbortController().signal,
    requestId: 1,
    ...(token ? { authInfo: { token } } : {}),
  }) as ToolExtra;

beforeAll(async () => {
  server = await startAuthServer({ downstreamRedirectUri: callback });
  identity = createResolver({
    chain: [bearerJwt({ jwksUrl: server.jwksUrl, issuer: server.issuer, audience })],
  });
  main = mainResolver();
});
afterAll(async () => {
  await server?.close();
});

describe("resolverTokenVerifier", () => {
  it("verifies through the resolver's bearer-JWT source and maps claims to AuthInfo", async () => {
    const verifier = resolverTokenVerifier(identity);
    const token = accessJwt();
    const info = await verifier.verifyAccessToken(token);
    expect(info).toMatchObject({
      token,
      clientId: "agent-1",
      scopes: ["mcp:tools"],
      extra: { subject: "user-1", account: alice, issuer: server.issuer },
    });
    expect(info.expiresAt).toBeGreaterThan(now());
    expect(info.resource?.href).toBe(audience);
  });

  it("refuses invalid tokens with the SDK's InvalidTokenError, never echoing the token", async () => {
    const verifier = resolverTokenVerifier(identity);
    const bad = [
      accessJwt({ aud: "someone-else" }),
      accessJwt({ exp: now() - 600 }),
      accessJwt({ iss: "https://other.example" }),
      `${accessJwt().slice(0, -6)}AAAAAA`,
      "not-a-jwt",
    ];
    for (const token of bad) {
      const error = await verifier.verifyAccessToken(token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidTokenError);
      expect(String((error as Error).message)).not.toContain(token);
    }
    // A resolver without a bearer source verifies nobody.
    const noBearer = createResolver({
      chain: [{ name: "other", resolve: async () => ({ type: "not_applicable", reason: "x" }) }],
    });
    await expect(resolverTokenVerifier(noBearer).verifyAccessToken(accessJwt())).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
  });

  it("behind requireBearerAuth: 401 + WWW-Authenticate without or with a bad token, next() with a good one", async () => {
    const app = createMcpExpressApp();
    const resourceMetadataUrl = "http://127.0.0.1:1/.well-known/oauth-protected-resource/mcp";
    app.get(
      "/protected",
      requireBearerAuth({ verifier: resolverTokenVerifier(identity), resourceMetadataUrl }),
      (req, res) => {
        res.json({ account: (req as { auth?: { extra?: { account?: string } } }).auth?.extra?.account });
      },
    );
    const http = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => http.once("listening", resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const missing = await fetch(`${base}/protected`);
      expect(missing.status).toBe(401);
      expect(missing.headers.get("www-authenticate")).toContain(`resource_metadata="${resourceMetadataUrl}"`);
      const bad = await fetch(`${base}/protected`, {
        headers: { authorization: `Bearer ${accessJwt({ aud: "x" })}` },
      });
      expect(bad.status).toBe(401);
      expect(bad.headers.get("www-authenticate")).toContain('error="invalid_token"');
      const good = await fetch(`${base}/protected`, { headers: { authorization: `Bearer ${accessJwt()}` } });
      expect(good.status).toBe(200);
      expect(await good.json()).toEqual({ account: alice });
    } finally {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });
});

describe("withProviderToken", () => {
  it("authorization required → URL + missing scopes; after the flow the handler gets the caller's token", async () => {
    const seen: string[] = [];
    const tool = withProviderToken(
      main.resolver,
      { provider: "demo", scopes: ["openid", "email"] },
      ({ token }) => {
        seen.push(token.account);
        return { content: [{ type: "text", text: `token for ${token.account}` }] };
      },
    );
    const first = await tool(extraWith(accessJwt()));
    expect(first.isError).toBe(true);
    const content = first.structuredContent as {
      error: string;
      authorizationUrl: string;
      missingScopes: string[];
    };
    expect(content).toMatchObject({ error: "authorization_required", provider: "demo" });
    // The shared "authorization required" shape (@credstack/core; the gateway client answers the same).
    expect(Object.keys(content).sort()).toEqual([
      "authorizationUrl",
      "error",
      "flows",
      "missingScopes",
      "provider",
    ]);
    expect(first).toEqual(
      authorizationRequiredToolResult("demo", {
        url: content.authorizationUrl,
        missingScopes: content.missingScopes,
        flows: (content as unknown as AuthorizationRequiredContent).flows,
      }),
    );
    expect(content.missingScopes).toEqual(["email", "openid"]);
    expect(new URL(content.authorizationUrl).searchParams.get("login_hint")).toBe(alice);
    expect(JSON.stringify(first.content)).toContain(content.authorizationUrl);
    expect(seen).toEqual([]);
    await main.authorizer.handleCallback(await server.authorize(content.authorizationUrl, alice));
    const second = await tool(extraWith(accessJwt()));
    expect(second.isError).toBeUndefined();
    expect(seen).toEqual([alice]);
    const stored = await main.store.get({ provider: "demo", account: alice });
    let handed = "";
    await withProviderToken(main.resolver, { provider: "demo", scopes: ["openid"] }, ({ token }) => {
      handed = token.accessToken;
      return { content: [] };
    })(extraWith(accessJwt()));
    expect(handed).toBe(stored?.accessToken);
  });

  it("asks only for the missing scopes when the credential lacks some; passes args for tools with input", async () => {
    const tool = withProviderToken<{ note: string }>(
      main.resolver,
      { provider: "demo", scopes: ["openid", "email", "api:write"] },
      ({ args }) => ({ content: [{ type: "text", text: args.note }] }),
    );
    const result = await tool({ note: "hi" }, extraWith(accessJwt()));
    expect(result.structuredContent).toMatchObject({
      error: "authorization_required",
      missingScopes: ["api:write"],
    });
    const url = (result.structuredContent as { authorizationUrl: string }).authorizationUrl;
    await main.authorizer.handleCallback(await server.authorize(url, alice));
    expect(await tool({ note: "hi" }, extraWith(accessJwt()))).toEqual({
      content: [{ type: "text", text: "hi" }],
    });
  });

  it("identity only from the verified bearer token: no token, a bad token or another user's account → unauthorized", async () => {
    let calls = 0;
    const tool = withProviderToken<{ account?: string }>(
      main.resolver,
      { provider: "demo", scopes: ["openid"], account: (args) => args.account },
      () => {
        calls++;
        return { content: [] };
      },
    );
    const none = await tool({}, extraWith());
    expect(none).toMatchObject({
      isError: true,
      structuredContent: { error: "unauthorized", reason: "identity_required" },
    });
    const bad = await tool({}, extraWith(accessJwt({ aud: "x" })));
    expect(bad).toMatchObject({
      isError: true,
      structuredContent: { error: "unauthorized", reason: "invalid_token" },
    });
    const other = await tool({ account: "bob@example.com" }, extraWith(accessJwt()));
    expect(other).toMatchObject({
      structuredContent: { error: "unauthorized", reason: "account_not_allowed" },
    });
    // Bob's own token does not reach Alice's credential: Bob is asked to authorize his own account.
    const bob = await tool({}, extraWith(accessJwt({ sub: "user-2", email: "bob@example.com" })));
    expect(bob.structuredContent).toMatchObject({ error: "authorization_required" });
    expect(
      new URL((bob.structuredContent as { authorizationUrl: string }).authorizationUrl).searchParams.get(
        "login_hint",
      ),
    ).toBe("bob@example.com");
    expect(calls).toBe(0);
  });
});
