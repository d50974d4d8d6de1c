import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ProviderConfig } from "../../src/index.js";

/** What the scripted token endpoint does with the next request. */
export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | "hang"
  | ((
      body: URLSearchParams,
    ) => Promise<{ status: number; body?: unknown }> | { status: number; body?: unknown });

/** A tiny token endpoint that answers what the test scripts (500, 429, hang, invalid_grant, ...). */
export interface ScriptedTokenServer {
  readonly config: ProviderConfig;
  /** Requests received. */
  readonly requests: URLSearchParams[];
  /** Sets the reply to every following request. */
  reply(reply: Reply): void;
  close(): Promise<void>;
}

export async function startScriptedTokenServer(
  overrides: Partial<ProviderConfig> = {},
): Promise<ScriptedTokenServer> {
  let current: Reply = { status: 500 };
  const requests: URLSearchParams[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    requests.push(body);
    const reply = current;
    if (reply === "hang") {
      hanging.push(res);
      return;
    }
    const answer = typeof reply === "function" ? await reply(body) : reply;
    res.writeHead(answer.status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(answer.body === undefined ? "{}" : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    config: {
      issuer: base,
      authorization_endpoint: `${base}/auth`,
      token_endpoint: `${base}/token`,
      clientId: "scripted",
      clientSecret: "scripted-secret",
      redirectUri: "http://127.0.0.1:9/callback",
      scopes: "plain",
      allowInsecureRequests: true,
      timeoutMs: 300,
      ...overrides,
    },
    requests,
    reply(reply) {
      current = reply;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
