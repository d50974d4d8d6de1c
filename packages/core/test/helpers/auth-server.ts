import { type OidcProviderServer, startOidcProvider } from "@credstack/test-services";
import type { ProviderConfig } from "../../src/index.js";

/** The static client's redirect URI (nothing listens there: `authorize()` stops at it). */
export const redirectUri = "http://127.0.0.1:9/callback";

/** The shared test oidc-provider, plus the provider config credstack uses for it. */
export interface AuthServer extends OidcProviderServer {
  readonly config: ProviderConfig;
}

/** A real oidc-provider on a random loopback port: rotation, short access tokens, PKCE, real JWKS. */
export async function startAuthServer(options: { accessTokenTtlSec?: number } = {}): Promise<AuthServer> {
  const server = await startOidcProvider({ redirectUris: [redirectUri], ...options });
  const config: ProviderConfig = server.providerConfig();
  return Object.assign(server, { config });
}
