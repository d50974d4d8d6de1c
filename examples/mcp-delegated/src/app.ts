import { bearerJwt, createResolver } from "@credstack/core";
import { createGatewayClient, type GatewayToken } from "@credstack/gateway/client";
import { resolverTokenVerifier } from "@credstack/mcp";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

/** Options of {@link createDelegatedExample}. */
export interface DelegatedExampleOptions {
  /** This server's public base URL; the MCP endpoint is `${baseUrl}/mcp` (the tokens' audience). */
  readonly baseUrl: string;
  /** The identity provider whose JWTs the callers present (issuer and JWKS). */
  readonly identityProvider: { readonly issuer: string; readonly jwksUrl: string };
  /** The credstack gateway and a `delegated` API key for it. */
  readonly gateway: { readonly url: string; readonly apiKey: string };
  /** The provider slug on the gateway (`google`), its userinfo endpoint and the scopes the tool needs. */
  readonly provider: {
    readonly slug: string;
    readonly userinfoEndpoint: string;
    readonly scopes: readonly string[];
  };
}

/** What the `whoami` tool answers once the caller has authorized. */
export interface WhoAmI {
  /** The account the gateway served the token for (derived from the caller's token, never an argument). */
  readonly account: string;
  /** What the provider's userinfo endpoint says about the token's owner. */
  readonly providerEmail: string;
}

/** The delegated example: an Express app (listen on loopback yourself). */
export interface DelegatedExample {
  readonly app: ReturnType<typeof createMcpExpressApp>;
}

/**
 * The delegated example: `POST /mcp` (stateless Streamable HTTP) behind `requireBearerAuth` (the
 * caller's JWT verified by core's bearer source), and one tool, `whoami`, without arguments. The tool
 * hands the caller's own bearer token to the gateway (`subjectToken`); the gateway verifies it again
 * and answers with the provider token of that user only — or an authorization URL for them.
 */
export function createDelegatedExample(options: DelegatedExampleOptions): DelegatedExample {
  const mcpUrl = new URL("/mcp", options.baseUrl).href;
  const bearer = {
    jwksUrl: options.identityProvider.jwksUrl,
    issuer: options.identityProvider.issuer,
    audience: mcpUrl,
  };
  const verifier = resolverTokenVerifier(createResolver({ chain: [bearerJwt(bearer)] }));
  const gateway = createGatewayClient({ url: options.gateway.url, apiKey: options.gateway.apiKey });
  const { provider } = options;

  const app = createMcpExpressApp({ host: "127.0.0.1" });
  app.disable("x-powered-by");
  const requireAuth = requireBearerAuth({ verifier });
  app.post("/mcp", requireAuth, async (req, res) => {
    const server = new McpServer({ name: "credstack-delegated-example", version: "0.0.0" });
    server.registerTool(
      "whoami",
      { description: "Who the caller is at the provider, with the caller's own provider token." },
      async (extra) => {
        const callerToken = extra.authInfo?.token;
        const whoami = gateway.requireAuth(
          { provider: provider.slug, scopes: provider.scopes, subjectToken: () => callerToken },
          async (token: GatewayToken) => {
            const response = await fetch(provider.userinfoEndpoint, {
              headers: { authorization: `Bearer ${token.accessToken}` },
            });
            const info = (await response.json()) as { email?: string };
            const answer: WhoAmI = { account: token.account, providerEmail: String(info.email) };
            return { content: [{ type: "text" as const, text: JSON.stringify(answer) }] };
          },
        );
        return (await whoami(undefined)) as never;
      },
    );
    const transport = new StreamableHTTPServerTransport({});
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch {
      if (!res.headersSent) {
        res
          .status(500)
          .json({ jsonrpc: "2.0", error: { code: -32603, message: "Internal error" }, id: null });
      }
    }
  });
  return { app };
}
