import { aesGcmCipher, type CredentialStore, generateKey, keyToBase64 } from "@credstack/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthorizer, createRefresher, createResolver, defaultChain } from "../src/index.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";
import { postgresOnItsOwnTable, redisOnItsOwnPrefix } from "./helpers/servers.js";
import { alice } from "./helpers/setup.js";
import { hash, startWorker } from "./helpers/worker.js";

let server: AuthServer;
const stops: (() => Promise<void>)[] = [];
beforeAll(async () => {
  server = await startAuthServer({ accessTokenTtlSec: 600 });
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await server?.close();
});

const key = generateKey();
const cipher = aesGcmCipher({ keyRing: { active: key } });
const ask = { provider: "test", account: alice, scopes: ["openid", "offline_access", "api:read"] };

/**
 * Replica A: a resolver process with a 10 s record cache. Replica B: this process, completing an
 * authorization, replacing and deleting the credential. A serves a new credential on its very next call
 * (absence is never cached) and follows replacements and deletes as soon as the notification arrives.
 */
async function replicas(env: Record<string, string>, store: CredentialStore) {
  const providers = { test: server.config };
  const refresher = createRefresher({ store, providers });
  const authorizer = createAuthorizer({ store, providers, refresher });
  const resolver = createResolver({
    chain: defaultChain({ refresher, authorizer }),
    providers,
    trustAccountArgument: true,
  });
  stops.push(() => resolver.close());
  await store.get({ provider: "test", account: alice }); // schema ready before A starts
  const a = startWorker({
    ...env,
    KEY_B64: keyToBase64(key),
    PROVIDER_CONFIG: JSON.stringify(server.config),
    ACCOUNT: alice,
    CACHE_MS: "10000",
  });
  try {
    expect(await a.next()).toEqual({ ready: true });
    expect((await a.resolve()).kind).toBe("unauthorized"); // no credential yet (A's chain cannot authorize)

    // B completes an authorization: A serves the token on its very next call.
    const start = await resolver.resolve(ask);
    if (start.kind !== "authorization_required") throw new Error(start.kind);
    const saved = await authorizer.handleCallback(await server.authorize(start.url));
    const first = await a.resolve();
    expect(first).toMatchObject({ kind: "token", token: hash(saved.accessToken as string) });

    // B replaces it (A has it cached for up to 10 s): A serves the new one on its next call.
    const replaced = await store.put(
      { ...saved, accessToken: "replaced-on-B" },
      { expectedVersion: saved.version },
    );
    const replacedIn = await within(a, (answer) => answer.token === hash(replaced.accessToken as string));
    expect(replacedIn).toBeLessThan(2000);

    // B deletes it: A stops serving it.
    await store.delete({ provider: "test", account: alice });
    const deletedIn = await within(a, (answer) => answer.kind === "unauthorized");
    expect(deletedIn).toBeLessThan(2000);
  } finally {
    await a.stop();
  }
}

/**
 * How long (ms) until A's answer meets `done`, asking again every 5 ms: a change to a record A holds
 * reaches it by notification (milliseconds), far inside its 10 s cache lifetime.
 */
async function within(
  a: ReturnType<typeof startWorker>,
  done: (answer: Record<string, unknown>) => boolean,
): Promise<number> {
  const start = Date.now();
  while (!done(await a.resolve())) {
    if (Date.now() - start > 5000) throw new Error("replica A did not follow within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - start;
}

describe("replicas agree at once (two processes, one store)", () => {
  it("Postgres (LISTEN/NOTIFY)", async () => {
    const { url, table, store } = await postgresOnItsOwnTable("replicas", cipher, stops);
    await replicas({ BACKEND: "postgres", STORE_URL: url, TABLE: table }, store);
  });

  it("Redis (pub/sub)", async () => {
    const { url, prefix, store } = await redisOnItsOwnPrefix("replicas", cipher, stops);
    await replicas({ BACKEND: "redis", STORE_URL: url, PREFIX: prefix }, store);
  });
});
