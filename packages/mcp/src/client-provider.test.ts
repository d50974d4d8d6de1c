import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, generateKey, memoryStore } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import type { OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import { describe, expect, it } from "vitest";
import { clientSlots, storeOAuthClientProvider } from "./client-provider.js";
import { IssuerMismatchError, McpConfigError, MissingCodeVerifierError } from "./errors.js";

const serverUrl = "https://mcp.example/mcp";
const clientMetadata = { client_name: "test agent", redirect_uris: ["http://127.0.0.1:9/cb"] };
// The SDK passes `resourceMetadataUrl: undefined` when it has none: the store must drop it.
const discovery = (authorizationServerUrl: string) =>
  ({ authorizationServerUrl, resourceMetadataUrl: undefined }) as unknown as OAuthDiscoveryState;

function setup(overrides: Partial<Parameters<typeof storeOAuthClientProvider>[0]> = {}) {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const store = memoryStore({ now: clock });
  const provider = storeOAuthClientProvider({
    store,
    serverUrl,
    redirectUrl: "http://127.0.0.1:9/cb",
    clientMetadata,
    clock,
    ...overrides,
  });
  return {
    store,
    provider,
    advance: (ms: number) => {
      now += ms;
    },
    clock,
  };
}

describe("storeOAuthClientProvider", () => {
  it("round-trips client information, tokens, verifier and discovery state through the store", async () => {
    const { store, provider, advance } = setup();
    expect(await provider.tokens()).toBeUndefined();
    expect(await provider.clientInformation()).toBeUndefined();
    await provider.saveDiscoveryState(discovery("https://as.example/"));
    expect(await provider.discoveryState()).toEqual({ authorizationServerUrl: "https://as.example/" });
    await provider.saveClientInformation({
      client_id: "c1",
      client_secret: "s3cret",
      issuer: "https://as.example/",
    });
    expect(await provider.clientInformation()).toEqual({
      client_id: "c1",
      client_secret: "s3cret",
      issuer: "https://as.example/",
    });
    await provider.saveTokens({
      access_token: "at-1",
      refresh_token: "rt-1",
      token_type: "Bearer",
      expires_in: 3600,
      scope: "mcp:tools files",
      issuer: "https://as.example/",
    });
    advance(600_000);
    expect(await provider.tokens()).toEqual({
      access_token: "at-1",
      refresh_token: "rt-1",
      token_type: "Bearer",
      expires_in: 3000,
      scope: "mcp:tools files",
      issuer: "https://as.example",
    });
    await provider.saveCodeVerifier("verifier-1");
    expect(await provider.codeVerifier()).toBe("verifier-1");
    const keys = [];
    for await (const key of store.list()) keys.push(key);
    expect(keys.map((key) => key.provider).sort()).toEqual(
      [clientSlots.client, clientSlots.discovery, clientSlots.tokens, clientSlots.verifier].sort(),
    );
    const tokens = await store.get({
      provider: clientSlots.tokens,
      account: keys.find((k) => k.provider === clientSlots.tokens)!.account,
    });
    expect(tokens).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1", issuer: "https://as.example" });
    expect(tokens?.account).toBe(`default|${serverUrl}|https://as.example`);
  });

  it("keys credentials per issuer: tokens of one authorization server are not read back for another", async () => {
    const { provider } = setup();
    await provider.saveDiscoveryState(discovery("https://as-one.example/"));
    await provider.saveTokens({
      access_token: "one",
      token_type: "Bearer",
      issuer: "https://as-one.example/",
    });
    await provider.saveDiscoveryState(discovery("https://as-two.example/"));
    expect(await provider.tokens()).toBeUndefined();
    expect(await provider.clientInformation()).toBeUndefined();
    await provider.saveTokens({
      access_token: "two",
      token_type: "Bearer",
      issuer: "https://as-two.example/",
    });
    expect((await provider.tokens())?.access_token).toBe("two");
    await provider.saveDiscoveryState(discovery("https://as-one.example"));
    expect((await provider.tokens())?.access_token).toBe("one");
  });

  it("keys credentials per MCP server and per session", async () => {
    const { store } = setup();
    const make = (url: string, session?: string) =>
      storeOAuthClientProvider({
        store,
        serverUrl: url,
        issuer: "https://as.example",
        clientMetadata,
        ...(session === undefined ? {} : { session }),
      });
    await make(serverUrl).saveTokens({ access_token: "a", token_type: "Bearer" });
    expect(await make("https://other.example/mcp").tokens()).toBeUndefined();
    expect(await make(serverUrl, "bob").tokens()).toBeUndefined();
    expect((await make(serverUrl).tokens())?.access_token).toBe("a");
  });

  it("a provider bound to an issuer refuses another issuer's discovery and credentials", async () => {
    const { store, provider } = setup({ issuer: "https://as.example" });
    await expect(provider.saveDiscoveryState(discovery("https://evil.example/"))).rejects.toBeInstanceOf(
      IssuerMismatchError,
    );
    await expect(
      provider.saveTokens({ access_token: "x", token_type: "Bearer", issuer: "https://evil.example/" }),
    ).rejects.toMatchObject({ code: "ERR_AUTHORIZATION_FAILED" });
    await expect(
      provider.saveClientInformation({ client_id: "c", issuer: "https://evil.example" }),
    ).rejects.toBeInstanceOf(IssuerMismatchError);
    const keys = [];
    for await (const key of store.list()) keys.push(key);
    expect(keys).toEqual([]);
    await provider.saveTokens({ access_token: "ok", token_type: "Bearer", issuer: "https://as.example/" });
    expect((await provider.tokens())?.access_token).toBe("ok");
  });

  it("invalidateCredentials drops exactly the named scope; all drops everything", async () => {
    const { store, provider } = setup({ issuer: "https://as.example" });
    const fill = async () => {
      await provider.saveDiscoveryState(discovery("https://as.example"));
      await provider.saveClientInformation({ client_id: "c", issuer: "https://as.example" });
      await provider.saveTokens({ access_token: "t", token_type: "Bearer", issuer: "https://as.example" });
      await provider.saveCodeVerifier("v");
    };
    const present = async () => ({
      client: (await provider.clientInformation()) !== undefined,
      tokens: (await provider.tokens()) !== undefined,
      verifier: await Promise.resolve(provider.codeVerifier()).then(
        () => true,
        () => false,
      ),
      discovery: (await provider.discoveryState()) !== undefined,
    });
    const all = { client: true, tokens: true, verifier: true, discovery: true };
    for (const scope of ["client", "tokens", "verifier", "discovery"] as const) {
      await fill();
      await provider.invalidateCredentials(scope);
      expect(await present()).toEqual({ ...all, [scope]: false });
    }
    await fill();
    await provider.invalidateCredentials("all");
    expect(await present()).toEqual({ client: false, tokens: false, verifier: false, discovery: false });
    const keys = [];
    for await (const key of store.list()) keys.push(key);
    expect(keys).toEqual([]);
  });

  it("the code verifier expires; a missing one is a typed error", async () => {
    const { provider, advance } = setup({ issuer: "https://as.example", verifierTtlMs: 1000 });
    await expect(provider.codeVerifier()).rejects.toBeInstanceOf(MissingCodeVerifierError);
    await provider.saveCodeVerifier("v");
    advance(999);
    expect(await provider.codeVerifier()).toBe("v");
    advance(1);
    await expect(provider.codeVerifier()).rejects.toBeInstanceOf(MissingCodeVerifierError);
  });

  it("falls back to pre-registered client information; redirect without a handler is a config error", async () => {
    const { provider } = setup({ clientInformation: { client_id: "pre" }, issuer: "https://as.example" });
    expect(await provider.clientInformation()).toEqual({ client_id: "pre" });
    await expect(provider.redirectToAuthorization(new URL("https://as.example/auth"))).rejects.toBeInstanceOf(
      McpConfigError,
    );
    const seen: string[] = [];
    const withHandler = setup({ onAuthorizationUrl: (url) => void seen.push(url.href) }).provider;
    await withHandler.redirectToAuthorization(new URL("https://as.example/auth?x=1"));
    expect(seen).toEqual(["https://as.example/auth?x=1"]);
    expect(() => setup({ serverUrl: "not a url" })).toThrow(McpConfigError);
    expect(() => setup({ session: "a|b" })).toThrow(McpConfigError);
  });

  it("seals tokens, client secret and verifier at rest in a file store", async () => {
    const dir = await mkdtemp(join(tmpdir(), "credstack-mcp-"));
    try {
      const store = fileStore({
        dir: join(dir, "store"),
        cipher: aesGcmCipher({ keyRing: { active: generateKey() } }),
      });
      const provider = storeOAuthClientProvider({
        store,
        serverUrl,
        issuer: "https://as.example",
        clientMetadata,
      });
      await provider.saveClientInformation({ client_id: "c", client_secret: "SECRET-client-value" });
      await provider.saveTokens({
        access_token: "SECRET-access-value",
        refresh_token: "SECRET-refresh-value",
        token_type: "Bearer",
      });
      await provider.saveCodeVerifier("SECRET-verifier-value");
      expect((await provider.tokens())?.refresh_token).toBe("SECRET-refresh-value");
      const files = await readdir(join(dir, "store"), { recursive: true });
      let text = "";
      for (const file of files) text += await readFile(join(dir, "store", file)).then(String, () => "");
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain("SECRET-");
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
