import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  type ProviderConfig,
  type Refresher,
  type Resolver,
} from "@credstack/core";
import type { CredentialStore } from "@credstack/storage";

/**
 * A Google-shaped token endpoint on loopback that must never be called: imported users are served
 * without refresh or re-consent. `calls()` counts the requests it got anyway.
 */
export async function startForbiddenTokenEndpoint(): Promise<{
  url: string;
  calls(): number;
  close(): Promise<void>;
}> {
  let calls = 0;
  const server: Server = createServer((_req, res) => {
    calls++;
    res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_grant"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The Google provider config of the legacy server's client, with `tokenEndpoint`. */
export const legacyGoogle = (tokenEndpoint: string): ProviderConfig => ({
  issuer: "https://accounts.google.com",
  authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
  token_endpoint: tokenEndpoint,
  clientId: "client-123.apps.googleusercontent.com",
  clientSecret: "client-secret",
  redirectUri: "http://localhost:8002/oauth2callback",
  scopes: "google",
  allowInsecureRequests: true,
});

/** A resolver over `store` with the default chain for `providers`; close its refresher after use. */
export function resolverOver(
  store: CredentialStore,
  providers: Record<string, ProviderConfig>,
): { resolver: Resolver; refresher: Refresher } {
  const refresher = createRefresher({ store, providers });
  const authorizer = createAuthorizer({ store, providers, refresher });
  const resolver = createResolver({
    chain: defaultChain({ refresher, authorizer }),
    providers,
    trustAccountArgument: true,
  });
  return { resolver, refresher };
}
