import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientSlots, storeOAuthClientProvider } from "@credstack/mcp";
import { aesGcmCipher, type CredentialStore, generateKey, memoryStore } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleApp, type ExampleApp } from "../src/app.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";

const alice = "alice@example.com";
const clientRedirect = "http://127.0.0.1:9/mcp-client/callback";
let http: Server;
let baseUrl: string;
let auth: AuthServer;
let dir: string;
let store: CredentialStore;
let example: ExampleApp;

beforeAll(async () => {
  http = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  auth = await startAuthServer({ downstreamRedirectUri: `${baseUrl}/oauth/callback` });
  dir = await mkdtemp(join(tmpdir(), "credstack-mcp-example-"));
  store = fileStore({ dir, cipher: aesGcmCipher({ keyRing: { active: generateKey() } }) });
  example = createExampleApp({
    baseUrl,
    authorizationServer: { issuer: auth.issuer, jwksUrl: auth.jwksUrl },
    store,
    provider: {
      slug: "demo",
      config: auth.config,
      userinfoEndpoint: `${auth.issuer}/me`,
      profileScopes: ["openid", "email"],
      extraScopes: ["api:read"],
    },
  });
  http.on("request", example.app);
});

afterAll(async () => {
  await example?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await auth?.close();
  await store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** An MCP client whose OAuth state lives in a credstack store; signs in as `login` when asked. */
async function connectAs(login: string, clientStore: CredentialStore) {
  const urls: URL[] = [];
  const provider = storeOAuthClientProvider({
    store: clientStore,
    serverUrl: `${baseUrl}/mcp`,
    session: login,
    redirectUrl: clientRedirect,
    clientMetadata: {
      client_name: "credstack e2e",
      redirect_uris: [clientRedirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
    onAuthorizationUrl: (url) => void urls.push(url),
  });
  const first = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { authProvider: provider });
  const client = new Client({ name: "e2e", version: "0.0.0" });
  let connected = true;
  try {
    await client.connect(first);
  } catch (error) {
    connected = false;
    expect(error, (error as Error).message).toBeInstanceOf(UnauthorizedError);
    expect(urls).toHaveLength(1);
    const callback = new URL(await auth.authorize(urls[0] as URL, login));
    expect(callback.href.startsWith(clientRedirect)).toBe(true);
    await first.finishAuth(callback.searchParams.get("code") as string);
  }
  const authorized = new Client({ name: "e2e", version: "0.0.0" });
  await authorized.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { authProvider: provider }),
  );
  return { client: authorized, provider, interactive: !connected, urls };
}

type AuthorizationRequired = { error: string; authorizationUrl: string; missingScopes: string[] };

async function completeDownstream(url: string, login: string) {
  const callback = await auth.authorize(url, login);
  expect(callback.startsWith(`${baseUrl}/oauth/callback?`)).toBe(true);
  const response = await fetch(callback);
  expect(response.status).toBe(200);
  expect(await response.text()).toContain(`Authorized ${login}`);
}

describe("example MCP server, end to end over Streamable HTTP", () => {
  it("answers an unauthenticated request with 401 and WWW-Authenticate pointing at its metadata", async () => {
    const response = await fetch(`${baseUrl}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    const header = response.headers.get("www-authenticate") ?? "";
    expect(header).toMatch(/^Bearer /);
    expect(header).toContain(`resource_metadata="${baseUrl}/.well-known/oauth-protected-resource/mcp"`);
    const metadata = await (await fetch(`${baseUrl}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(metadata).toMatchObject({ resource: `${baseUrl}/mcp`, authorization_servers: [auth.issuer] });
    // The root location (RFC 9728 §3.1 without the path) serves the same document.
    const root = await fetch(`${baseUrl}/.well-known/oauth-protected-resource`);
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(metadata);
    const forged = await fetch(`${baseUrl}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${auth.signJwt({ iss: auth.issuer, sub: alice, aud: "elsewhere", exp: 9e9 })}`,
      },
    });
    expect(forged.status).toBe(401);
  });

  it("client signs in (DCR + PKCE, state in a credstack store); tools get the caller's token or an authorization URL", async () => {
    const clientStore = memoryStore();
    const registrations = auth.calls.registrations;
    const { client, provider, interactive } = await connectAs(alice, clientStore);
    expect(interactive).toBe(true);
    expect(auth.calls.registrations).toBe(registrations + 1);
    const tokens = await provider.tokens();
    expect(tokens?.access_token.split(".")).toHaveLength(3);
    const providers = new Set<string>();
    for await (const key of clientStore.list()) providers.add(key.provider);
    expect(providers).toEqual(
      new Set([clientSlots.client, clientSlots.tokens, clientSlots.verifier, clientSlots.discovery]),
    );

    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name).sort()).toEqual(["granted_access", "whoami"]);
    for (const tool of tools.tools) expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual([]);

    // No downstream credential yet: authorization required, with the URL for Alice.
    const first = await client.callTool({ name: "whoami" });
    expect(first.isError).toBe(true);
    const required = first.structuredContent as AuthorizationRequired;
    expect(required.error).toBe("authorization_required");
    expect(required.missingScopes).toEqual(["email", "openid"]);
    expect(new URL(required.authorizationUrl).searchParams.get("login_hint")).toBe(alice);
    await completeDownstream(required.authorizationUrl, alice);

    // The tool now gets Alice's token and the provider accepts it.
    const second = await client.callTool({ name: "whoami" });
    expect(second.isError).toBeFalsy();
    expect(second.structuredContent).toEqual({ sub: alice, email: alice, account: alice });

    // A tool needing more scopes: only the missing one is reported; after the flow it succeeds.
    const more = await client.callTool({ name: "granted_access" });
    expect(more.structuredContent).toMatchObject({
      error: "authorization_required",
      missingScopes: ["api:read"],
    });
    await completeDownstream((more.structuredContent as AuthorizationRequired).authorizationUrl, alice);
    const granted = await client.callTool({ name: "granted_access" });
    expect(granted.isError).toBeFalsy();
    expect(granted.structuredContent).toMatchObject({ account: alice });
    expect((granted.structuredContent as { scopes: string[] }).scopes).toEqual(
      expect.arrayContaining(["openid", "email", "api:read"]),
    );

    // A second connection reuses the stored MCP tokens: no new authorization.
    const again = await connectAs(alice, clientStore);
    expect(again.interactive).toBe(false);
    expect((await again.client.callTool({ name: "whoami" })).structuredContent).toMatchObject({
      email: alice,
    });
    await again.client.close();
    await client.close();

    // Secrets at rest are sealed in the server's file store.
    const stored = await store.get({ provider: "demo", account: alice });
    expect(stored?.accessToken).toBeDefined();
    const files = await readdir(dir, { recursive: true });
    let text = "";
    for (const file of files) text += await readFile(join(dir, file)).then(String, () => "");
    expect(text).not.toContain(stored?.accessToken as string);
  });

  it("another user's tool calls never receive Alice's token", async () => {
    const { client } = await connectAs("bob@example.com", memoryStore());
    const result = await client.callTool({ name: "whoami" });
    expect(result.structuredContent).toMatchObject({ error: "authorization_required" });
    const url = new URL((result.structuredContent as AuthorizationRequired).authorizationUrl);
    expect(url.searchParams.get("login_hint")).toBe("bob@example.com");
    await client.close();
  });
});
