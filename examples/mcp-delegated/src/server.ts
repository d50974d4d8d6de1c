import { createDelegatedExample } from "./app.js";

/** Reads a required environment variable. */
function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    process.stderr.write(`mcp-delegated example: set ${name}\n`);
    process.exit(2);
  }
  return value;
}

const port = Number(process.env.PORT ?? 3001);
const { app } = createDelegatedExample({
  baseUrl: process.env.PUBLIC_URL ?? `http://127.0.0.1:${port}`,
  identityProvider: { issuer: required("IDP_ISSUER"), jwksUrl: required("IDP_JWKS_URL") },
  gateway: { url: required("CREDSTACK_GATEWAY_URL"), apiKey: required("CREDSTACK_GATEWAY_API_KEY") },
  provider: {
    slug: process.env.PROVIDER ?? "google",
    userinfoEndpoint: process.env.USERINFO_ENDPOINT ?? "https://openidconnect.googleapis.com/v1/userinfo",
    scopes: (process.env.SCOPES ?? "openid email").split(" "),
  },
});
app.listen(port, "127.0.0.1", () => {
  process.stdout.write(`delegated MCP example on http://127.0.0.1:${port}/mcp\n`);
});
