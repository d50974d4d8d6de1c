import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

/** A running {@link startBearerProxy}. */
export interface BearerProxy {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy to `target` that adds `Authorization: Bearer <token()>` to every request and passes
 * everything else through unchanged — the `Host` and `Origin` headers too, so the target's DNS-rebinding
 * protection sees what the caller sent. For test tools that speak MCP but not OAuth.
 */
export async function startBearerProxy(target: string, token: () => string): Promise<BearerProxy> {
  const server = createServer((incoming, outgoing) => {
    const upstream = request(
      new URL(incoming.url ?? "/", target),
      { method: incoming.method, headers: { ...incoming.headers, authorization: `Bearer ${token()}` } },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on("error", () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
