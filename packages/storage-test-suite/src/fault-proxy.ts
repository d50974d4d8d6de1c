import { connect, createServer, type Socket } from "node:net";

/** A loopback TCP proxy in front of a real server that can cut its connections on demand. */
export interface FaultProxy {
  /** Where clients connect instead of the server: `127.0.0.1`. */
  readonly host: string;
  /** The proxy's port. */
  readonly port: number;
  /** Cuts every open connection and refuses new ones (accepted, then closed at once) until {@link FaultProxy.restore}. */
  fail(): void;
  /** Forwards connections again. */
  restore(): void;
  /** Stops the proxy and closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts a {@link FaultProxy} to `target`, for a conformance harness's `failures`: point the store's
 * client at the proxy, and `fail()` makes the backend unreachable the way a network outage or a
 * restarting server does — the client itself is not touched.
 *
 * @example
 * ```ts no-run
 * const proxy = await tcpFaultProxy({ host: "127.0.0.1", port: 5432 });
 * const failures = { fail: async () => proxy.fail(), restore: async () => proxy.restore() };
 * ```
 */
export async function tcpFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const open = new Set<Socket>();
  let failing = false;
  const server = createServer((client) => {
    if (failing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the fault proxy has no TCP port");
  const cutAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    host: "127.0.0.1",
    port: address.port,
    fail() {
      failing = true;
      cutAll();
    },
    restore() {
      failing = false;
    },
    async close() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
