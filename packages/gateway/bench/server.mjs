// The process under load for bench/run.mjs: a gateway (or, for the baseline, a bare Fastify route) on a
// random loopback port, with ACCOUNTS cached credentials seeded. Prints {"url": ...} when ready.
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, generateKey } from "@credstack/storage";
import Fastify from "fastify";
import { createGateway, hashApiKey } from "../dist/index.js";

const { KIND, PG_URL, ACCOUNTS = "1000", API_KEY, DELEGATED_KEY, JWKS_JSON } = process.env;
const send = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

if (KIND === "baseline") {
  // Same framework, same JSON size, no auth, no store: what the machine does with Fastify alone.
  const app = Fastify();
  app.post("/auth/token", async (request) => ({
    accessToken: `token-${request.body?.account ?? ""}`.padEnd(64, "x"),
    tokenType: "Bearer",
    expiresAt: Date.now() + 3_600_000,
    scopes: ["api:read"],
    account: request.body?.account ?? "",
  }));
  send({ url: await app.listen({ host: "127.0.0.1", port: 0 }) });
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
} else {
  const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
  let store;
  let dir;
  if (KIND === "postgres") {
    const { postgresStore } = await import("@credstack/storage-postgres");
    store = postgresStore({
      connectionString: PG_URL,
      cipher,
      table: `bench_${Date.now().toString(36)}`,
      maxConnections: 10,
    });
  } else if (KIND === "memory") {
    const { memoryStore } = await import("@credstack/storage");
    store = memoryStore();
  } else {
    const { fileStore } = await import("@credstack/storage-file");
    dir = mkdtempSync(join(tmpdir(), "credstack-gw-bench-"));
    store = fileStore({ dir: join(dir, "store"), cipher, fsync: false });
  }
  // The users' identity provider for the delegated rows: a JWKS on loopback (fetched once, cached by jose).
  let jwksUrl;
  let jwksServer;
  if (JWKS_JSON !== undefined) {
    const { createServer } = await import("node:http");
    jwksServer = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end(JWKS_JSON);
    });
    await new Promise((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/jwks`;
  }
  const expiresAt = Date.now() + 3_600_000;
  for (let i = 0; i < Number(ACCOUNTS); i++) {
    await store.put(
      {
        provider: "bench",
        account: `user${i}@example.com`,
        accessToken: `access-${i}-`.padEnd(64, "a"),
        refreshToken: `refresh-${i}-`.padEnd(64, "r"),
        tokenType: "Bearer",
        expiresAt,
        scopes: ["api:read"],
      },
      { expectedVersion: 0 },
    );
  }
  const gateway = await createGateway({
    store,
    providers: {
      bench: {
        issuer: "http://127.0.0.1:9",
        authorization_endpoint: "http://127.0.0.1:9/auth",
        token_endpoint: "http://127.0.0.1:9/token",
        clientId: "bench",
        identityProof: { method: "none" },
        redirectUri: "http://127.0.0.1:9/auth/callback/bench",
        scopes: "plain",
        allowInsecureRequests: true,
        defaultScopes: ["api:read"],
      },
    },
    apiKeys: [
      { id: "bench", hash: hashApiKey(API_KEY), mode: "unrestricted" },
      ...(DELEGATED_KEY === undefined
        ? []
        : [{ id: "bench-delegated", hash: hashApiKey(DELEGATED_KEY), mode: "delegated" }]),
    ],
    ...(jwksUrl === undefined
      ? {}
      : {
          delegation: {
            bearer: { jwksUrl, issuer: "https://idp.bench", audience: "bench-mcp", algorithms: ["RS256"] },
          },
        }),
    rateLimit: { max: 100_000_000 },
    // LOGGER=1: the logger on, as the credstack-gateway binary has it, writing to /dev/null.
    ...(process.env.LOGGER === "1"
      ? { logger: { level: "info", stream: createWriteStream("/dev/null") } }
      : {}),
    ...(process.env.CACHE_MS === undefined ? {} : { refresh: { cacheMs: Number(process.env.CACHE_MS) } }),
    // Default settings: the expired-transaction sweeper runs as in production, and the record cache has
    // core's default lifetime (60 s on stores that report changes) unless CACHE_MS says otherwise.
  });
  send({ url: await gateway.listen({ host: "127.0.0.1", port: 0 }) });
  process.stdin.on("end", async () => {
    await gateway.close();
    jwksServer?.close();
    await store.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  process.stdin.resume();
}
