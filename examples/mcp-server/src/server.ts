import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { aesGcmCipher, loadOrCreateKeyFile } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { createExampleApp } from "./app.js";

/**
 * Runs the example on loopback with a file store, against Google as the downstream provider.
 * Environment: MCP_AUTH_ISSUER and MCP_AUTH_JWKS_URL (the authorization server issuing JWT access tokens
 * for this server), GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET; optional PORT (3000) and CREDSTACK_DIR
 * (.credstack).
 */
async function main(): Promise<void> {
  const env = process.env;
  const required = (name: string) => {
    const value = env[name];
    if (value === undefined || value.length === 0) throw new Error(`Set ${name}.`);
    return value;
  };
  const authIssuer = required("MCP_AUTH_ISSUER");
  const jwksUrl = required("MCP_AUTH_JWKS_URL");
  const clientId = required("GOOGLE_CLIENT_ID");
  const clientSecret = required("GOOGLE_CLIENT_SECRET");
  const port = Number(env.PORT ?? 3000);
  const baseUrl = `http://127.0.0.1:${port}`;
  const dir = env.CREDSTACK_DIR ?? ".credstack";
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { key } = await loadOrCreateKeyFile(join(dir, "key"));
  const store = fileStore({
    dir: join(dir, "credentials"),
    cipher: aesGcmCipher({ keyRing: { active: key } }),
  });
  const example = createExampleApp({
    baseUrl,
    authorizationServer: { issuer: authIssuer, jwksUrl },
    store,
    provider: {
      slug: "google",
      userinfoEndpoint: "https://openidconnect.googleapis.com/v1/userinfo",
      profileScopes: ["openid", "email"],
      extraScopes: ["drive.readonly"],
      drive: {},
      config: {
        issuer: "https://accounts.google.com",
        authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
        token_endpoint: "https://oauth2.googleapis.com/token",
        revocation_endpoint: "https://oauth2.googleapis.com/revoke",
        authorization_response_iss_parameter_supported: true,
        clientId,
        clientSecret,
        redirectUri: `${baseUrl}/oauth/callback`,
        scopes: "google",
      },
    },
  });
  const http = createServer(example.app);
  http.listen(port, "127.0.0.1", () => {
    process.stdout.write(`MCP server on ${baseUrl}/mcp\n`);
  });
  const stop = () => {
    http.close();
    void example.close().then(() => store.close());
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
