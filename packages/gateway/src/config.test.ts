import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseGatewayConfig, resolveGatewayConfig } from "./config.js";
import { hashApiKey } from "./lib/api-keys.js";
import { readApiKeysFile } from "./run.js";

const hash = hashApiKey("k");

describe("config file", () => {
  it("expands the Google, Microsoft and GitHub presets with env references", () => {
    const config = parseGatewayConfig(
      JSON.stringify({
        publicUrl: "https://auth.example.com/",
        providers: {
          google: {
            preset: "google",
            clientId: { env: "G_ID" },
            clientSecret: { env: "G_SECRET" },
            defaultScopes: ["gmail.readonly"],
          },
          microsoft: {
            preset: "microsoft",
            tenant: "contoso.onmicrosoft.com",
            clientId: "ms-id",
            clientSecret: { env: "M" },
          },
          github: { preset: "github", clientId: "gh-id", clientSecret: { env: "GH" } },
        },
        apiKeys: [{ id: "mcp", hash, mode: "service", accounts: ["@example.com"], rateLimit: 100 }],
      }),
    );
    const resolved = resolveGatewayConfig(config, {
      G_ID: "gid",
      G_SECRET: "gsecret",
      M: "msecret",
      GH: "ghsecret",
    });
    expect(resolved.providers.google).toMatchObject({
      issuer: "https://accounts.google.com",
      token_endpoint: "https://oauth2.googleapis.com/token",
      revocation_endpoint: "https://oauth2.googleapis.com/revoke",
      clientId: "gid",
      clientSecret: "gsecret",
      scopes: "google",
      redirectUri: "https://auth.example.com/auth/callback/google",
      defaultScopes: ["gmail.readonly"],
    });
    expect(resolved.providers.microsoft?.token_endpoint).toBe(
      "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
    );
    expect(resolved.providers.microsoft?.scopes).toBe("microsoft");
    expect(resolved.providers.github).toMatchObject({ scopes: "github", clientSecret: "ghsecret" });
    expect(resolved.providers.github?.revocation_endpoint).toBeUndefined();
    expect(resolved.apiKeys).toEqual([
      { id: "mcp", hash, mode: "service", accounts: ["@example.com"], rateLimit: 100 },
    ]);
    expect(resolved.store).toBe("file:.credstack");
  });

  it("names a missing environment variable, never a value", () => {
    const config = parseGatewayConfig(
      JSON.stringify({ providers: { google: { preset: "google", clientId: { env: "NOPE" } } } }),
    );
    expect(() => resolveGatewayConfig(config, {})).toThrow(
      /providers\.google\.clientId names the environment variable NOPE/,
    );
  });

  it("rejects unknown fields and endpoints missing without a preset", () => {
    expect(() => parseGatewayConfig(JSON.stringify({ providers: {}, extra: 1 }))).toThrow(
      /ERR_INVALID_CONFIG|invalid/,
    );
    expect(() => parseGatewayConfig("{")).toThrow(/not valid JSON/);
    const config = parseGatewayConfig(JSON.stringify({ providers: { x: { clientId: "id" } } }));
    expect(() => resolveGatewayConfig(config, {})).toThrow(/providers\.x\.issuer is required/);
  });

  it("environment: CREDSTACK_STORE, port, API keys and providers from *_CLIENT_ID", () => {
    const resolved = resolveGatewayConfig(parseGatewayConfig("{}"), {
      CREDSTACK_STORE: "postgres://db/credstack",
      CREDSTACK_GATEWAY_PORT: "9000",
      CREDSTACK_GATEWAY_API_KEYS: `a:unrestricted:${hash}, b:delegated:${hash}`,
      GITHUB_CLIENT_ID: "gh",
      GITHUB_CLIENT_SECRET: "ghs",
    });
    expect(resolved.store).toBe("postgres://db/credstack");
    expect(resolved.port).toBe(9000);
    expect(resolved.apiKeys.map((key) => key.id)).toEqual(["a", "b"]);
    expect(Object.keys(resolved.providers)).toEqual(["github"]);
    expect(resolved.providers.github?.redirectUri).toBe("http://127.0.0.1:9000/auth/callback/github");
  });
});

describe("API keys file (as credstack gateway-key writes it)", () => {
  it("reads entries with their grants; a key without a mode is refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "credstack-gw-keys-"));
    try {
      const path = join(dir, "keys.json");
      const entry = {
        id: "mcp",
        hash,
        mode: "service",
        accounts: ["@example.com"],
        createdAt: "2026-12-02T00:00:00Z",
      };
      await writeFile(path, JSON.stringify({ apiKeys: [entry] }));
      expect(await readApiKeysFile(path)).toEqual([
        { id: "mcp", hash, mode: "service", accounts: ["@example.com"] },
      ]);
      await writeFile(path, JSON.stringify({ apiKeys: [{ id: "old", hash }] }));
      await expect(readApiKeysFile(path)).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("delegation, audit and abuse options come from the config file", () => {
    const resolved = resolveGatewayConfig(
      parseGatewayConfig(
        JSON.stringify({
          delegation: { issuer: "https://idp.example", audience: "mcp", jwksUrl: "https://idp.example/jwks" },
          audit: { clearAccounts: true, pseudonymKey: { env: "PSEUDO" } },
          failedAuthLimit: { max: 5 },
          maxPendingPerKey: 10,
          apiKeysFile: "keys.json",
        }),
      ),
      { PSEUDO: "0123456789abcdef0123" },
    );
    expect(resolved.options).toMatchObject({
      delegation: { bearer: { issuer: "https://idp.example", audience: "mcp" } },
      audit: { clearAccounts: true, pseudonymKey: "0123456789abcdef0123" },
      failedAuthLimit: { max: 5 },
      maxPendingPerKey: 10,
    });
    expect(resolved.apiKeysFile).toBe("keys.json");
  });
  it("metrics: the config's listener, the port from CREDSTACK_GATEWAY_METRICS_PORT, off by default", () => {
    const config = parseGatewayConfig(JSON.stringify({ metrics: { host: "0.0.0.0", port: 9464 } }));
    expect(resolveGatewayConfig(config, {}).options.metrics).toEqual({ host: "0.0.0.0", port: 9464 });
    expect(resolveGatewayConfig(config, { CREDSTACK_GATEWAY_METRICS_PORT: "9100" }).options.metrics).toEqual({
      host: "0.0.0.0",
      port: 9100,
    });
    const none = parseGatewayConfig("{}");
    expect(resolveGatewayConfig(none, {}).options.metrics).toBeUndefined();
    expect(resolveGatewayConfig(none, { CREDSTACK_GATEWAY_METRICS_PORT: "0" }).options.metrics).toEqual({
      port: 0,
    });
    expect(() => resolveGatewayConfig(none, { CREDSTACK_GATEWAY_METRICS_PORT: "x" })).toThrow(/METRICS_PORT/);
    expect(() => parseGatewayConfig(JSON.stringify({ metrics: { path: "/m" } }))).toThrow(/metrics/);
  });
});
