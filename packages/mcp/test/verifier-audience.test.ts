import type { AddressInfo } from "node:net";
import { bearerJwt, createResolver } from "@credstack/core";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { McpConfigError, resolverTokenVerifier } from "../src/index.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";

// This server, and another API the same authorization server issues tokens for.
const serverUrl = "http://127.0.0.1:1/mcp";
const otherApi = "https://api.other.example/v1";
let server: AuthServer;
let base: string;
let close: () => Promise<void>;

const now = () => Math.floor(Date.now() / 1000);
const tokenFor = (aud: string | string[]) =>
  server.signJwt({ iss: server.issuer, aud, sub: "svc-1", scope: "mcp:tools", iat: now(), exp: now() + 300 });

beforeAll(async () => {
  server = await startAuthServer({ downstreamRedirectUri: "http://127.0.0.1:9/callback" });
  // The bearer source accepts tokens for this server and for the other API (one key set, two audiences),
  // so the audience reported to the SDK decides whether the resource check below passes.
  const bearer = { jwksUrl: server.jwksUrl, issuer: server.issuer, audience: [serverUrl, otherApi] };
  const verifier = resolverTokenVerifier(createResolver({ chain: [bearerJwt(bearer)] }), {
    audience: serverUrl,
  });
  const app = createMcpExpressApp();
  app.get("/mcp", requireBearerAuth({ verifier, expectedResource: new URL(serverUrl) }), (req, res) => {
    res.json({ resource: req.auth?.resource?.href });
  });
  const http = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => http.once("listening", resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  close = async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  };
});
afterAll(async () => {
  await close?.();
  await server?.close();
});

const call = (token: string) => fetch(`${base}/mcp`, { headers: { authorization: `Bearer ${token}` } });

describe("resolverTokenVerifier audiences behind requireBearerAuth({ expectedResource })", () => {
  it("single audience: the server's URL is the resource", async () => {
    const response = await call(tokenFor(serverUrl));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ resource: serverUrl });
  });

  it("multi-audience token naming the server second: the matching audience is reported, the call passes", async () => {
    const response = await call(tokenFor([otherApi, serverUrl]));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ resource: serverUrl });
    // Trailing slash spelled differently in the token: still the same resource.
    expect((await call(tokenFor([otherApi, `${serverUrl}/`]))).status).toBe(200);
  });

  it("wrong audience: a token for the other API only is refused with 401 invalid_token", async () => {
    const response = await call(tokenFor(otherApi));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // Unknown to the bearer source at all.
    expect((await call(tokenFor(["https://third.example/", "https://fourth.example/"]))).status).toBe(401);
  });

  it("refuses an audience option that is not an http(s) URL", () => {
    const resolver = createResolver({
      chain: [bearerJwt({ jwksUrl: server.jwksUrl, issuer: server.issuer, audience: serverUrl })],
    });
    expect(() => resolverTokenVerifier(resolver, { audience: "not a url" })).toThrow(McpConfigError);
    expect(() => resolverTokenVerifier(resolver, { audience: [] })).toThrow(McpConfigError);
  });
});
