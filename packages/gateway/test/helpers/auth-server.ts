import { type OidcProviderServer, startOidcProvider } from "@credstack/test-services";

/** The shared test oidc-provider (rotating refresh tokens, PKCE, revocation, real JWKS). */
export type AuthServer = OidcProviderServer;

/** Starts it with the gateway's static client. */
export function startAuthServer(options: {
  redirectUris: string[];
  accessTokenTtlSec?: number;
}): Promise<AuthServer> {
  return startOidcProvider({
    ...options,
    clientId: "credstack-gateway-test",
    clientSecret: "gateway-test-client-secret",
  });
}

/** The gateway provider config for an {@link AuthServer}. */
export function providerFor(server: AuthServer, redirectUri: string) {
  return {
    issuer: server.issuer,
    authorization_endpoint: `${server.issuer}/auth`,
    token_endpoint: `${server.issuer}/token`,
    revocation_endpoint: `${server.issuer}/token/revocation`,
    clientId: server.clientId,
    clientSecret: server.clientSecret,
    redirectUri,
    scopes: "plain" as const,
    idTokenSigningAlg: "ES256",
    authorizationParams: { prompt: "consent" },
    allowInsecureRequests: true,
    timeoutMs: 5000,
    defaultScopes: ["openid", "offline_access", "email", "api:read"],
  };
}
