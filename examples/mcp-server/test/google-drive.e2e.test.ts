import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { storeOAuthClientProvider } from "@credstack/mcp";
import { type CredentialStore, memoryStore } from "@credstack/storage";
import { type ApiServer, startApiServer } from "@credstack/test-services";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleApp, type ExampleApp } from "../src/app.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";

// The MCP server's own authorization server is oidc-provider (sign-in of MCP clients); the downstream
// "google" is a Google-shaped server on loopback (OAuth endpoints + Drive API checking bearer tokens).
const clientRedirect = "http://127.0.0.1:9/mcp-client/callback";
const driveReadonly = "https://www.googleapis.com/auth/drive.readonly";
let http: Server;
let baseUrl: string;
let auth: AuthServer;
let google: ApiServer;
let store: CredentialStore;
let example: ExampleApp;

beforeAll(async () => {
  http = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  auth = await startAuthServer({ downstreamRedirectUri: `${baseUrl}/oauth/callback` });
  google = await startApiServer({ redirectUris: [`${baseUrl}/oauth/callback`] });
  store = memoryStore();
  example = createExampleApp({
    baseUrl,
    authorizationServer: { issuer: auth.issuer, jwksUrl: auth.jwksUrl },
    store,
    provider: {
      slug: "google",
      config: google.providerConfig(`${baseUrl}/oauth/callback`, "google"),
      userinfoEndpoint: `${google.url}/userinfo`,
      profileScopes: ["openid", "email"],
      extraScopes: ["drive.readonly"],
      drive: { rootUrl: google.googleRootUrl },
    },
  });
  http.on("request", example.app);
});

afterAll(async () => {
  await example?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await auth?.close();
  await google?.close();
  await store?.close();
});

/** A real MCP SDK client signed in as `login` (DCR + PKCE at the MCP server's authorization server). */
async function connectAs(login: string): Promise<Client> {
  const urls: URL[] = [];
  const provider = storeOAuthClientProvider({
    store: memoryStore(),
    serverUrl: `${baseUrl}/mcp`,
    session: login,
    redirectUrl: clientRedirect,
    clientMetadata: {
      client_name: "credstack drive e2e",
      redirect_uris: [clientRedirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
    onAuthorizationUrl: (url) => void urls.push(url),
  });
  const first = new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { authProvider: provider });
  await expect(new Client({ name: "e2e", version: "0.0.0" }).connect(first)).rejects.toBeInstanceOf(
    UnauthorizedError,
  );
  const callback = new URL(await auth.authorize(urls[0] as URL, login));
  await first.finishAuth(callback.searchParams.get("code") as string);
  const client = new Client({ name: "e2e", version: "0.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { authProvider: provider }),
  );
  return client;
}

type AuthorizationRequired = { error: string; authorizationUrl: string; missingScopes: string[] };

/** The user completes a downstream authorization URL at "Google"; the server's callback stores it. */
async function completeAtGoogle(url: string) {
  const callback = await google.authorize(url);
  expect(callback.startsWith(`${baseUrl}/oauth/callback?`)).toBe(true);
  const response = await fetch(callback);
  expect(response.status).toBe(200);
}

describe("example MCP server: list_drive_files through @credstack/google", () => {
  it("asks only for what is missing, then the tool lists the caller's files with the real Drive client", async () => {
    const alice = "alice@example.com";
    const client = await connectAs(alice);
    const tools = await client.listTools();
    const driveTool = tools.tools.find((tool) => tool.name === "list_drive_files");
    expect(Object.keys(driveTool?.inputSchema.properties ?? {})).toEqual(["pageSize"]);

    // First Google authorization: the profile scopes (whoami).
    const whoami = (await client.callTool({ name: "whoami" })).structuredContent as AuthorizationRequired;
    expect(whoami.missingScopes).toEqual(["email", "openid"]);
    await completeAtGoogle(whoami.authorizationUrl);

    // Drive needs one more scope: the incremental request asks only for it.
    const apiCalls = google.calls.api;
    const first = await client.callTool({ name: "list_drive_files" });
    expect(first.isError).toBe(true);
    const required = first.structuredContent as AuthorizationRequired;
    expect(required).toMatchObject({ error: "authorization_required", missingScopes: [driveReadonly] });
    const url = new URL(required.authorizationUrl);
    expect(url.searchParams.get("scope")).toBe(driveReadonly);
    expect(url.searchParams.get("include_granted_scopes")).toBe("true");
    expect(url.searchParams.get("login_hint")).toBe(alice);
    expect(google.calls.api).toBe(apiCalls);
    await completeAtGoogle(required.authorizationUrl);

    const listed = await client.callTool({ name: "list_drive_files", arguments: { pageSize: 5 } });
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent).toEqual({
      files: [{ id: `file-of-${alice}`, name: `Notes of ${alice}` }],
    });
    const stored = await store.get({ provider: "google", account: alice });
    expect(google.log.at(-1)).toMatchObject({ account: alice, token: stored?.accessToken, status: 200 });

    // Google stops accepting the token mid-session: one refresh, the calls still succeed.
    google.expire(stored?.accessToken as string);
    const redemptions = google.calls.redemptions;
    const again = await Promise.all(
      Array.from({ length: 10 }, () => client.callTool({ name: "list_drive_files" })),
    );
    expect(again.map((result) => result.isError ?? false)).toEqual(Array(10).fill(false));
    expect(google.calls.redemptions - redemptions).toBe(1);
    await client.close();
  });

  it("another user never gets Alice's client: Bob is asked to authorize his own account", async () => {
    const bob = "bob@example.com";
    const client = await connectAs(bob);
    const apiCalls = google.calls.api;
    const result = await client.callTool({ name: "list_drive_files" });
    const required = result.structuredContent as AuthorizationRequired;
    expect(required.error).toBe("authorization_required");
    expect(new URL(required.authorizationUrl).searchParams.get("login_hint")).toBe(bob);
    expect(google.calls.api).toBe(apiCalls);
    await client.close();
  });
});
