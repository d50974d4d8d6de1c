import { type OidcProviderServer, startOidcProvider } from "@credstack/test-services";

/** The shared test oidc-provider (rotating refresh tokens, PKCE, revocation, real JWKS). */
export type AuthServer = OidcProviderServer;

/** Starts it with the gateway's static client. */
export function startAuthServer(options: {
  redirectUris: string[];
  accessTokenTtlSec?: number;
  unverifiedEmails?: readonly string[];
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
    ...server.providerConfig(redirectUri),
    defaultScopes: ["openid", "offline_access", "email", "api:read"],
    identityProof: { method: "id_token" as const },
  };
}
