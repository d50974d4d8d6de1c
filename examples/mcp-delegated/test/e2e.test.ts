import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createGateway, type Gateway, hashApiKey } from "@credstack/gateway";
import { type CredentialStore, memoryStore } from "@credstack/storage";
import { freePort, type OidcProviderServer, startOidcProvider } from "@credstack/test-services";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDelegatedExample, type WhoAmI } from "../src/app.js";

const alice = "alice@example.com";
const bob = "bob@example.com";
const apiKey = "csk_example_delegated_0123456789abcdefghijklmnopq";

let http: Server;
let baseUrl: string;
let idp: OidcProviderServer;
let gateway: Gateway;
let gatewayUrl: string;
let store: CredentialStore;

beforeAll(async () => {
  http = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  // One oidc-provider plays both parts: the identity provider of the MCP callers, and the Google-style
  // OAuth provider whose tokens the gateway keeps.
  idp = await startOidcProvider({ redirectUris: [`${gatewayUrl}/auth/callback/google`] });
  store = memoryStore();
  gateway = await createGateway({
    store,
    providers: {
      google: {
        ...idp.providerConfig(`${gatewayUrl}/auth/callback/google`),
        defaultScopes: ["openid", "email", "offline_access"],
        identityProof: { method: "id_token" },
      },
    },
    apiKeys: [{ id: "mcp-delegated", hash: hashApiKey(apiKey), mode: "delegated" }],
    delegation: { bearer: { jwksUrl: idp.jwksUrl, issuer: idp.issuer, audience: `${baseUrl}/mcp` } },
    sweepIntervalMs: 0,
  });
  await gateway.listen({ port: gatewayPort });
  const { app } = createDelegatedExample({
    baseUrl,
    identityProvider: { issuer: idp.issuer, jwksUrl: idp.jwksUrl },
    gateway: { url: gatewayUrl, apiKey },
    provider: { slug: "google", userinfoEndpoint: `${idp.issuer}/me`, scopes: ["openid", "email"] },
  });
  http.on("request", app);
});

afterAll(async () => {
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await gateway?.close();
  await idp?.close();
  await store?.close();
});

/** The caller's bearer JWT for this MCP server, as its identity provider issues it. */
function userToken(email: string): string {
  const now = Math.floor(Date.now() / 1000);
  return idp.signJwt({
    iss: idp.issuer,
    aud: `${baseUrl}/mcp`,
    sub: `sub-${email}`,
    email,
    email_verified: true,
    scope: "mcp:tools",
    iat: now,
    exp: now + 600,
  });
}

async function connectAs(email: string): Promise<Client> {
  const client = new Client({ name: "delegated-e2e", version: "0.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${userToken(email)}` } },
    }),
  );
  return client;
}

const textOf = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  ((result.content as { type: string; text: string }[])[0]?.text ?? "") as string;
const fingerprint = (token: string | undefined) =>
  createHash("sha256")
    .update(token ?? "")
    .digest("hex");

describe("delegated MCP example, end to end (real MCP SDK client, gateway, oidc-provider)", () => {
  it("the tool has no account parameter", async () => {
    const client = await connectAs(alice);
    const { tools } = await client.listTools();
    const whoami = tools.find((tool) => tool.name === "whoami");
    expect(whoami).toBeDefined();
    expect(Object.keys(whoami?.inputSchema.properties ?? {})).toEqual([]);
    await client.close();
  });

  it("the caller authorizes once, then the tool gets the caller's own provider token", async () => {
    const client = await connectAs(alice);
    const first = await client.callTool({ name: "whoami", arguments: {} });
    expect(first.isError).toBe(true);
    const url = (first._meta?.["credstack/authorization"] as { url?: string } | undefined)?.url;
    expect(url, JSON.stringify(first)).toBeDefined();
    const callback = await idp.authorize(url as string, alice);
    expect((await fetch(callback)).status).toBe(200);

    const second = await client.callTool({ name: "whoami", arguments: {} });
    const answer = JSON.parse(textOf(second)) as WhoAmI;
    expect(answer).toEqual({ account: alice, providerEmail: alice });
    await client.close();
  });

  it("a second user cannot obtain it, not even by passing an account argument", async () => {
    const aliceToken = (await store.get({ provider: "google", account: alice }))?.accessToken;
    expect(aliceToken).toBeDefined();
    const client = await connectAs(bob);
    for (const args of [{}, { account: alice }]) {
      const result = await client.callTool({ name: "whoami", arguments: args });
      const text = JSON.stringify(result);
      expect(text).not.toContain(alice);
      expect(text).not.toContain(aliceToken as string);
      expect(text).not.toContain(fingerprint(aliceToken));
      expect(text).toMatch(/authoriz/i);
    }
    // Straight to the gateway with Bob's token and the same key, naming Alice: refused.
    const direct = await fetch(`${gatewayUrl}/auth/token`, {
      method: "POST",
      headers: {
        "x-api-key": apiKey,
        authorization: `Bearer ${userToken(bob)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ provider: "google", account: alice }),
    });
    expect(direct.status).toBe(403);
    expect(((await direct.json()) as { error?: string }).error).toBe("account_not_allowed");
    await client.close();
  });

  it("a caller without a valid token never reaches the tool", async () => {
    const response = await fetch(`${baseUrl}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
  });
});
