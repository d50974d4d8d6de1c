import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { bearerJwt, createResolver } from "@credstack/core";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { resolverTokenVerifier } from "../../src/index.js";

/** A running protected MCP server on loopback. */
export interface TestMcpServer {
  /** The MCP endpoint, `http://127.0.0.1:PORT/mcp` (also the tokens' audience). */
  readonly url: string;
  /** Moves the server's clock (bearer verification) forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/**
 * A stateless MCP server with one tool (`whoami`, answering the caller's client id) behind
 * `requireBearerAuth` and the credstack verifier; protected-resource metadata names `issuer`.
 */
export async function startMcpServer(auth: { issuer: string; jwksUrl: string }): Promise<TestMcpServer> {
  let skew = 0;
  const app = createMcpExpressApp({ host: "127.0.0.1" });
  const http: Server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => http.once("listening", resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const url = `${base}/mcp`;
  const bearer = { jwksUrl: auth.jwksUrl, issuer: auth.issuer, audience: url, clockToleranceSec: 0 };
  const resolver = createResolver({ chain: [bearerJwt(bearer)], clock: () => Date.now() + skew });
  const verifier = resolverTokenVerifier(resolver, { audience: url });
  const metadataPath = "/.well-known/oauth-protected-resource/mcp";
  app.get(metadataPath, (_req, res) => {
    res.json({ resource: url, authorization_servers: [auth.issuer], scopes_supported: ["mcp:tools"] });
  });
  const guard = requireBearerAuth({
    verifier,
    requiredScopes: ["mcp:tools"],
    resourceMetadataUrl: `${base}${metadataPath}`,
    expectedResource: new URL(url),
  });
  app.post("/mcp", guard, async (req, res) => {
    const server = new McpServer({ name: "credstack-test", version: "0.0.0" });
    server.registerTool("whoami", { description: "The caller's client id." }, (extra) => ({
      content: [{ type: "text", text: extra.authInfo?.clientId ?? "" }],
    }));
    const transport = new StreamableHTTPServerTransport({});
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  return {
    url,
    advance(ms) {
      skew += ms;
    },
    async close() {
      await resolver.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
