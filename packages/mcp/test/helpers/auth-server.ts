import type { ProviderConfig } from "@credstack/core";
import { type OidcMachineClient, type OidcProviderServer, startOidcProvider } from "@credstack/test-services";

/** The static client of the downstream "demo" provider. */
export const demoClientId = "credstack-demo";

/** The shared test oidc-provider for MCP, plus the downstream provider config credstack uses for it. */
export interface AuthServer extends OidcProviderServer {
  readonly config: ProviderConfig;
}

/**
 * A real oidc-provider on loopback with dynamic client registration and resource indicators issuing JWT
 * access tokens (`mcp:tools`) for MCP servers, and a static confidential client for the downstream provider.
 */
export async function startAuthServer(options: {
  /** The redirect URI of the static downstream client. */
  readonly downstreamRedirectUri: string;
  readonly accessTokenTtlSec?: number;
  /** Static clients of the client-credentials grant. */
  readonly machineClients?: readonly OidcMachineClient[];
}): Promise<AuthServer> {
  const server = await startOidcProvider({
    redirectUris: [options.downstreamRedirectUri],
    clientId: demoClientId,
    clientSecret: "demo-client-secret-value",
    accessTokenTtlSec: options.accessTokenTtlSec ?? 300,
    dynamicRegistration: true,
    resourceIndicators: { scope: "mcp:tools" },
    ...(options.machineClients === undefined ? {} : { machineClients: options.machineClients }),
  });
  const config: ProviderConfig = server.providerConfig();
  return Object.assign(server, { config });
}
