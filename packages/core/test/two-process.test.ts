import { randomBytes } from "node:crypto";
import { aesGcmCipher, type CredentialStore, generateKey, keyToBase64 } from "@credstack/storage";
import { redisStore } from "@credstack/storage-redis";
import { startRedisCluster } from "@credstack/test-services";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizer, createRefresher, createResolver, defaultChain } from "../src/index.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";
import { postgresOnItsOwnTable, redisOnItsOwnPrefix } from "./helpers/servers.js";
import { alice } from "./helpers/setup.js";
import { hash, startWorker } from "./helpers/worker.js";

let server: AuthServer;
const stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  server = await startAuthServer({ accessTokenTtlSec: 120 });
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await server?.close();
});

async function twoProcesses(
  backend: "postgres" | "redis" | "redis-cluster",
  url: string,
  store: CredentialStore,
  keyB64: string,
  place: Record<string, string>,
) {
  const providers = { test: server.config };
  // Sign in once (real code + PKCE flow), storing the credential in the shared store.
  const refresher = createRefresher({ store, providers });
  const authorizer = createAuthorizer({ store, providers, refresher });
  const resolver = createResolver({
    chain: defaultChain({ refresher, authorizer }),
    providers,
    trustAccountArgument: true,
  });
  const start = await resolver.resolve({
    provider: "test",
    account: alice,
    scopes: ["openid", "offline_access", "api:read"],
  });
  if (start.kind !== "authorization_required") throw new Error(start.kind);
  await authorizer.handleCallback(await server.authorize(start.url));

  const env = {
    ...place,
    BACKEND: backend,
    STORE_URL: url,
    KEY_B64: keyB64,
    PROVIDER_CONFIG: JSON.stringify(server.config),
    ACCOUNT: alice,
  };
  const workers = [startWorker(env), startWorker(env)];
  try {
    for (const w of workers) expect(await w.next()).toEqual({ ready: true });
    for (let round = 0; round < 3; round++) {
      const key = { provider: "test", account: alice };
      const current = await store.get(key);
      await store.put(
        { ...(current as NonNullable<typeof current>), expiresAt: Date.now() - 1000 },
        { expectedVersion: current?.version as number },
      );
      const before = server.calls.tokenPosts;
      for (const w of workers) w.child.stdin.write("go\n");
      const answers = await Promise.all(workers.map((w) => w.next()));
      expect(server.calls.tokenPosts - before).toBe(1); // exactly one redemption per expiry
      const stored = await store.get(key);
      for (const answer of answers) {
        expect(answer.kind).toBe("token");
        expect(answer.token).toBe(hash(stored?.accessToken as string));
      }
      expect(stored?.refreshToken).not.toBe(current?.refreshToken); // rotated, and the rotation kept
    }
  } finally {
    for (const w of workers) w.child.stdin.write("exit\n");
    await Promise.all(workers.map((w) => new Promise((resolve) => w.child.once("exit", resolve))));
  }
}

describe("two resolver processes sharing one store against a rotating server", () => {
  const key = generateKey();
  const cipher = aesGcmCipher({ keyRing: { active: key } });

  it("Postgres: exactly one redemption per expiry, both end with the valid token", async () => {
    const { url, table, store } = await postgresOnItsOwnTable("two_process", cipher, stops);
    await twoProcesses("postgres", url, store, keyToBase64(key), { TABLE: table });
  });

  it("Redis: exactly one redemption per expiry, both end with the valid token", async () => {
    const { url, prefix, store } = await redisOnItsOwnPrefix("two-process", cipher, stops);
    await twoProcesses("redis", url, store, keyToBase64(key), { PREFIX: prefix });
  });

  it("Redis Cluster (3 masters × 1 replica): exactly one redemption per expiry, both end with the valid token", async () => {
    const nodes = await startRedisCluster();
    stops.push(() => nodes.stop());
    const client = new Cluster([...nodes.startupNodes], { redisOptions: { maxRetriesPerRequest: 1 } });
    const prefix = `two-process-${randomBytes(4).toString("hex")}`;
    const store = redisStore({ client, cipher, prefix, closeClient: true });
    stops.push(() => store.close());
    await twoProcesses("redis-cluster", JSON.stringify(nodes.startupNodes), store, keyToBase64(key), {
      PREFIX: prefix,
    });
  });
});
