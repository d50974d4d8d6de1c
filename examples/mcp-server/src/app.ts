import {
  AuthorizationFailedError,
  bearerJwt,
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  type ProviderConfig,
  type Resolver,
} from "@credstack/core";
import { resolverTokenVerifier } from "@credstack/mcp";
import type { CredentialStore } from "@credstack/storage";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { type ExampleProvider, registerExampleTools } from "./tools.js";

/** Options of {@link createExampleApp}. */
export interface ExampleAppOptions {
  /** This server's public base URL (`http://127.0.0.1:3000`); the MCP endpoint is `${baseUrl}/mcp`. */
  readonly baseUrl: string;
  /** The authorization server that issues JWT access tokens for this MCP server (audience `${baseUrl}/mcp`). */
  readonly authorizationServer: { readonly issuer: string; readonly jwksUrl: string };
  /** Scopes the MCP access token must carry. @default ["mcp:tools"] */
  readonly mcpScopes?: readonly string[];
  /** Where the callers' provider credentials live (a file store in production). */
  readonly store: CredentialStore;
  /** The downstream provider: its config (redirect URI `${baseUrl}/oauth/callback`) and the tools' scopes. */
  readonly provider: ExampleProvider & { readonly config: ProviderConfig };
}

/** The example MCP server: an Express app (listen on loopback yourself) and its resolver. */
export interface ExampleApp {
  readonly app: ReturnType<typeof createMcpExpressApp>;
  readonly resolver: Resolver;
  /** Stops the resolver's background work (the store is yours to close). */
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * Builds the example server: protected-resource metadata (RFC 9728, at the path-based and the root
 * location), `POST /mcp` (stateless Streamable
 * HTTP) behind `requireBearerAuth` with the credstack verifier, and `GET /oauth/callback` finishing the
 * downstream provider's authorization.
 */
export function createExampleApp(options: ExampleAppOptions): ExampleApp {
  const mcpUrl = new URL("/mcp", options.baseUrl).href;
  // RFC 9728: the path-based location (`…/oauth-protected-resource/mcp`, which WWW-Authenticate names) and
  // the root one, which some clients try first.
  const metadataRoot = "/.well-known/oauth-protected-resource";
  const metadataPath = `${metadataRoot}/mcp`;
  const { store, provider } = options;
  const providers = { [provider.slug]: provider.config };
  const bearer = {
    jwksUrl: options.authorizationServer.jwksUrl,
    issuer: options.authorizationServer.issuer,
    audience: mcpUrl,
  };
  const refresher = createRefresher({ store, providers });
  const authorizer = createAuthorizer({ store, providers, refresher });
  const resolver = createResolver({ chain: defaultChain({ bearer, refresher, authorizer }), providers });
  // Verification reads no store and starts no authorization: a resolver over the bearer source alone.
  // `audience`: a token whose `aud` array names this server after another resource is still for it.
  const verifier = resolverTokenVerifier(createResolver({ chain: [bearerJwt(bearer)] }), {
    audience: mcpUrl,
  });

  const app = createMcpExpressApp({ host: "127.0.0.1" });
  app.disable("x-powered-by");
  app.get([metadataPath, metadataRoot], (_req, res) => {
    res.json({
      resource: mcpUrl,
      authorization_servers: [options.authorizationServer.issuer],
      scopes_supported: [...(options.mcpScopes ?? ["mcp:tools"])],
      bearer_methods_supported: ["header"],
    });
  });

  const requireAuth = requireBearerAuth({
    verifier,
    requiredScopes: [...(options.mcpScopes ?? ["mcp:tools"])],
    resourceMetadataUrl: new URL(metadataPath, options.baseUrl).href,
    expectedResource: new URL(mcpUrl),
  });
  app.post("/mcp", requireAuth, async (req, res) => {
    // Stateless: one server and transport per request; the caller's identity is in req.auth.
    const server = new McpServer({ name: "credstack-example", version: "0.0.0" });
    registerExampleTools(server, resolver, provider);
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
  for (const method of ["get", "delete"] as const) {
    app[method]("/mcp", requireAuth, (_req, res) => {
      res
        .status(405)
        .set("allow", "POST")
        .json({
          jsonrpc: "2.0",
          error: { code: -32000, message: "Method not allowed (stateless server)." },
          id: null,
        });
    });
  }

  app.get("/oauth/callback", async (req, res) => {
    res.set({ "content-security-policy": "default-src 'none'", "x-content-type-options": "nosniff" });
    try {
      const record = await authorizer.handleCallback(new URL(req.originalUrl, options.baseUrl));
      res
        .type("html")
        .send(
          `<!doctype html><p>Authorized ${escapeHtml(record.account)} at ${escapeHtml(record.provider)}. You can close this window.</p>`,
        );
    } catch (error) {
      const message =
        error instanceof AuthorizationFailedError
          ? error.message
          : "The authorization could not be completed.";
      res.status(400).type("text").send(message);
    }
  });

  return {
    app,
    resolver,
    async close() {
      await resolver.close();
    },
  };
}
