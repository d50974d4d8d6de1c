import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, type CredentialStore, generateKey, memoryStore } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClientCredentials,
  clientSlots,
  McpConfigError,
  type StoreOAuthClientProviderOptions,
  storeOAuthClientProvider,
} from "../src/index.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";
import { startMcpServer, type TestMcpServer } from "./helpers/mcp-server.js";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
const machines: Record<string, ClientCredentials> = {
  client_secret_basic: {
    clientId: "m2m-basic",
    clientSecret: "basic-secret-value",
    method: "client_secret_basic",
  },
  client_secret_post: {
    clientId: "m2m-post",
    clientSecret: "post-secret-value",
    method: "client_secret_post",
  },
  private_key_jwt: { clientId: "m2m-jwt", privateKey: pem, algorithm: "ES256" },
};

let auth: AuthServer;
let mcp: TestMcpServer;
let dir: string;
let store: CredentialStore;

beforeAll(async () => {
  auth = await startAuthServer({
    downstreamRedirectUri: "http://127.0.0.1:9/callback",
    accessTokenTtlSec: 300,
    machineClients: [
      { clientId: "m2m-basic", method: "client_secret_basic", clientSecret: "basic-secret-value" },
      { clientId: "m2m-post", method: "client_secret_post", clientSecret: "post-secret-value" },
      {
        clientId: "m2m-jwt",
        method: "private_key_jwt",
        publicJwks: [{ ...publicKey.export({ format: "jwk" }), alg: "ES256", use: "sig" }],
      },
    ],
  });
  mcp = await startMcpServer(auth);
  dir = await mkdtemp(join(tmpdir(), "credstack-mcp-cc-"));
  store = fileStore({ dir, cipher: aesGcmCipher({ keyRing: { active: generateKey() } }) });
});
afterAll(async () => {
  await mcp?.close();
  await auth?.close();
  await store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const machineMetadata = {
  client_name: "credstack m2m test",
  redirect_uris: [],
  grant_types: ["client_credentials"],
  scope: "mcp:tools",
};

function machineProvider(method: string, overrides: Partial<StoreOAuthClientProviderOptions> = {}) {
  return storeOAuthClientProvider({
    store,
    serverUrl: mcp.url,
    session: method,
    issuer: auth.issuer,
    clientMetadata: machineMetadata,
    clientCredentials: machines[method] as ClientCredentials,
    ...overrides,
  });
}

async function whoami(provider: ReturnType<typeof storeOAuthClientProvider>): Promise<string> {
  const client = new Client({ name: "m2m", version: "0.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider }));
  try {
    const result = await client.callTool({ name: "whoami" });
    return (result.content as { text: string }[])[0]?.text ?? "";
  } finally {
    await client.close();
  }
}

describe("storeOAuthClientProvider with clientCredentials", () => {
  it.each(Object.keys(machines))(
    "%s: obtains a token with the client-credentials grant, keeps it sealed in the store, reuses it, re-obtains it after expiry",
    async (method) => {
      const clientId = (machines[method] as ClientCredentials).clientId;
      const grants = auth.calls.clientCredentials;
      expect(await whoami(machineProvider(method))).toBe(clientId);
      expect(auth.calls.clientCredentials).toBe(grants + 1);

      // Kept in the store under the issuer, sealed at rest.
      const provider = machineProvider(method);
      const tokens = await provider.tokens();
      expect(tokens?.access_token.split(".")).toHaveLength(3);
      expect(tokens?.scope).toBe("mcp:tools");
      const record = await store.get({
        provider: clientSlots.tokens,
        account: `${method}|${mcp.url}|${auth.issuer}`,
      });
      expect(record?.accessToken).toBe(tokens?.access_token);
      let text = "";
      for (const file of await readdir(dir, { recursive: true })) {
        text += await readFile(join(dir, file)).then(String, () => "");
      }
      expect(text).not.toContain(tokens?.access_token as string);
      expect(text).not.toContain("secret-value");

      // A new provider over the same store (a restarted process) reuses the stored token.
      expect(await whoami(machineProvider(method))).toBe(clientId);
      expect(auth.calls.clientCredentials).toBe(grants + 1);

      // Expired (provider clock 5 min later): read as none, so the server's 401 makes the provider obtain
      // and store a new one.
      const later = () => Date.now() + 301_000;
      expect(await machineProvider(method, { clock: later }).tokens()).toBeUndefined();
      expect(await whoami(machineProvider(method, { clock: later }))).toBe(clientId);
      expect(auth.calls.clientCredentials).toBe(grants + 2);
      expect((await provider.tokens())?.access_token).not.toBe(tokens?.access_token);

      // A token the server refuses although unexpired here (revoked, keys rotated): its 401 gets a new one.
      mcp.advance(301_000);
      try {
        const refused = (await provider.tokens())?.access_token;
        await whoami(machineProvider(method)).catch(() => "");
        expect(auth.calls.clientCredentials).toBe(grants + 3);
        expect((await provider.tokens())?.access_token).not.toBe(refused);
      } finally {
        mcp.advance(-301_000);
      }
    },
  );

  it("a wrong secret is refused by the authorization server and nothing is stored", async () => {
    const provider = machineProvider("client_secret_basic", {
      session: "wrong",
      clientCredentials: { clientId: "m2m-basic", clientSecret: "not-the-secret" },
    });
    const error = await whoami(provider).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).not.toContain("not-the-secret");
    expect(await provider.tokens()).toBeUndefined();
  });

  it("credentials bound to one issuer are never sent to the authorization server another MCP server names", async () => {
    const posts = auth.calls.tokenPosts;
    const provider = machineProvider("client_secret_post", {
      session: "bound",
      issuer: "https://as.elsewhere.example",
    });
    await expect(whoami(provider)).rejects.toMatchObject({ code: "ERR_AUTHORIZATION_FAILED" });
    expect(auth.calls.tokenPosts).toBe(posts);
    expect(await provider.tokens()).toBeUndefined();
  });

  it("checks its options and never starts an interactive authorization", async () => {
    const base = {
      store: memoryStore(),
      serverUrl: "https://mcp.example/mcp",
      clientMetadata: machineMetadata,
    };
    const bad: Partial<StoreOAuthClientProviderOptions>[] = [
      { clientCredentials: { clientId: "c", clientSecret: "s" }, redirectUrl: "http://127.0.0.1:9/cb" },
      { clientCredentials: { clientId: "c", clientSecret: "s" }, clientInformation: { client_id: "c" } },
      { clientCredentials: { clientId: "", clientSecret: "s" } },
      { clientCredentials: { clientId: "c", clientSecret: "" } },
      { clientCredentials: { clientId: "c", clientSecret: "s", method: "none" as "client_secret_post" } },
      { clientCredentials: { clientId: "c", privateKey: pem, algorithm: "HS256" } },
      { clientCredentials: { clientId: "c", privateKey: pem, algorithm: "ES256", assertionLifetimeSec: 0 } },
    ];
    for (const options of bad) {
      expect(() => storeOAuthClientProvider({ ...base, ...options })).toThrow(McpConfigError);
    }
    const provider = storeOAuthClientProvider({
      ...base,
      clientCredentials: { clientId: "c", clientSecret: "s3cret-value", method: "client_secret_post" },
    });
    expect(provider.redirectUrl).toBeUndefined();
    expect(await provider.clientInformation()).toEqual({
      client_id: "c",
      client_secret: "s3cret-value",
      token_endpoint_auth_method: "client_secret_post",
    });
    expect(String(await provider.prepareTokenRequest?.("mcp:tools"))).toBe(
      "grant_type=client_credentials&scope=mcp%3Atools",
    );
    await expect(provider.redirectToAuthorization(new URL("https://as.example/auth"))).rejects.toBeInstanceOf(
      McpConfigError,
    );
    // Without clientCredentials the SDK's authorization-code default applies.
    const interactive = storeOAuthClientProvider({ ...base, redirectUrl: "http://127.0.0.1:9/cb" });
    expect(interactive.prepareTokenRequest).toBeUndefined();
  });
});
