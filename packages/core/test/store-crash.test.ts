import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  aesGcmCipher,
  type CredentialKey,
  type CredentialStore,
  generateKey,
  keyToBase64,
} from "@credstack/storage";
import { postgresStore } from "@credstack/storage-postgres";
import { redisStore } from "@credstack/storage-redis";
import { startPostgres, startRedis } from "@credstack/test-services";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createRefresher, createResolver, defaultChain, type RefreshEvent } from "../src/index.js";
import { type ScriptedTokenServer, startScriptedTokenServer } from "./helpers/scripted-token-server.js";
import { alice } from "./helpers/setup.js";
import { hash, startWorker } from "./helpers/worker.js";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
});

const key = generateKey();
const cipher = aesGcmCipher({ keyRing: { active: key } });
const credential: CredentialKey = { provider: "test", account: alice };
const ask = { provider: "test", account: alice, scopes: ["api:read"] };

/**
 * A provider-shaped token endpoint that rotates refresh tokens (the redeemed one dies) and counts
 * redemptions and `invalid_grant` answers. `beforeAnswer` runs after a redemption, before the answer
 * leaves: the tests crash the store there.
 */
async function rotatingProvider(beforeAnswer: () => Promise<void>) {
  const tokens: ScriptedTokenServer = await startScriptedTokenServer({ timeoutMs: 20_000 });
  stops.push(() => tokens.close());
  const counts = { redemptions: 0, invalidGrants: 0 };
  let live = "refresh-0";
  let generation = 0;
  let crashNext = true;
  tokens.reply(async (body) => {
    if (body.get("grant_type") !== "refresh_token" || body.get("refresh_token") !== live) {
      counts.invalidGrants++;
      return { status: 400, body: { error: "invalid_grant" } };
    }
    counts.redemptions++;
    generation++;
    live = `refresh-${generation}`;
    if (crashNext) {
      crashNext = false;
      await beforeAnswer();
    }
    return {
      status: 200,
      body: {
        access_token: `access-${generation}`,
        refresh_token: live,
        token_type: "Bearer",
        expires_in: 3600,
      },
    };
  });
  return { tokens, counts };
}

/** Seeds the expired credential holding `refresh-0`. */
async function seed(store: CredentialStore) {
  await store.put(
    {
      ...credential,
      accessToken: "access-0",
      refreshToken: "refresh-0",
      tokenType: "Bearer",
      scopes: ["api:read"],
      expiresAt: Date.now() - 1000,
    },
    { expectedVersion: 0 },
  );
}

function spoolDirectory(): string {
  const directory = join(mkdtempSync(join(tmpdir(), "credstack-spool-test-")), "spool");
  stops.push(async () => rmSync(join(directory, ".."), { recursive: true, force: true }));
  return directory;
}

/** The spool holds exactly one sealed file, 0600 in a 0700 directory, without the token in clear. */
function expectOneSpooledFile(directory: string) {
  expect(statSync(directory).mode & 0o777).toBe(0o700);
  const files = readdirSync(directory);
  expect(files).toHaveLength(1);
  const file = join(directory, files[0] as string);
  expect(statSync(file).mode & 0o777).toBe(0o600);
}

const resolverOf = (store: CredentialStore, config: ScriptedTokenServer["config"], spool: string) => {
  const events: RefreshEvent["type"][] = [];
  const refresher = createRefresher({
    store,
    providers: { test: config },
    spool: { directory: spool, cipher },
    leaseTtlMs: 1500,
    onEvent: (event) => events.push(event.type),
  });
  const resolver = createResolver({
    chain: defaultChain({ refresher }),
    providers: { test: config },
    trustAccountArgument: true,
  });
  return { refresher, resolver, events };
};

describe("the store crashes between redemption and save: the rotated token survives", () => {
  it("Postgres: served at once, spooled, replayed by another process after restart; one redemption", async () => {
    const server = await startPostgres();
    stops.push(() => server.stop());
    const open = () =>
      postgresStore({
        connectionString: server.url,
        cipher,
        connectTimeoutMs: 1000,
        statementTimeoutMs: 1000,
      });
    const store = open();
    await seed(store);
    await store.close();
    // The server runs without synchronous commit: flush the seed so that the crash cannot take it.
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CHECKPOINT");
    await admin.end();
    const { tokens, counts } = await rotatingProvider(() => server.kill());
    const spool = spoolDirectory();
    const a = resolverOf(open(), tokens.config, spool);

    // The token request is in flight when Postgres dies: the caller still gets the new access token.
    const first = await a.resolver.resolve(ask);
    expect(first).toMatchObject({ kind: "token", accessToken: "access-1" });
    expect(a.events.slice(0, 2)).toEqual(["save_retrying", "spooled"]);
    expectOneSpooledFile(spool);
    // This process serves it again while the store is down, without a second redemption.
    expect(await a.resolver.resolve(ask)).toMatchObject({ kind: "token", accessToken: "access-1" });
    await a.resolver.close();
    await a.refresher.close(); // process A goes away; its record stays in the spool

    await server.restart();
    // Another process opening the same spool: replays it before anything else, no redemption.
    const b = startWorker({
      BACKEND: "postgres",
      STORE_URL: server.url,
      KEY_B64: keyToBase64(key),
      PROVIDER_CONFIG: JSON.stringify(tokens.config),
      ACCOUNT: alice,
      SPOOL_DIR: spool,
    });
    try {
      expect(await b.next()).toEqual({ ready: true });
      expect(await b.resolve()).toMatchObject({ kind: "token", token: hash("access-1") });
    } finally {
      await b.stop();
    }
    const check = open();
    const stored = await check.get(credential);
    await check.close();
    expect(readdirSync(spool)).toEqual([]);
    expect(stored).toMatchObject({ accessToken: "access-1", refreshToken: "refresh-1" });
    expect(counts).toEqual({ redemptions: 1, invalidGrants: 0 });
  });

  it("Redis: served at once, spooled, replayed by the same process when Redis is back; one redemption", async () => {
    const redis = await startRedis({ args: ["--appendonly", "yes", "--appendfsync", "always"] });
    stops.push(() => redis.stop());
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on("error", () => {}); // refused connections while Redis is down; commands fail typed
    const store = redisStore({ client, cipher, closeClient: true, commandTimeoutMs: 500 });
    stops.push(() => store.close());
    await seed(store);
    const { tokens, counts } = await rotatingProvider(() => redis.kill());
    const spool = spoolDirectory();
    const a = resolverOf(store, tokens.config, spool);
    stops.push(() => a.refresher.close());

    const first = await a.resolver.resolve(ask);
    expect(first).toMatchObject({ kind: "token", accessToken: "access-1" });
    expectOneSpooledFile(spool);
    // Past the lease, still down: the spooled record stays and is served.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect(await a.resolver.resolve(ask)).toMatchObject({ kind: "token", accessToken: "access-1" });

    await redis.restart();
    const deadline = Date.now() + 15_000;
    let stored = await store.get(credential).catch(() => undefined);
    while (stored?.refreshToken !== "refresh-1" && Date.now() < deadline) {
      expect(await a.resolver.resolve(ask)).toMatchObject({ kind: "token", accessToken: "access-1" });
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = await store.get(credential).catch(() => undefined);
    }
    expect(stored).toMatchObject({ accessToken: "access-1", refreshToken: "refresh-1" });
    expect(readdirSync(spool)).toEqual([]);
    expect(counts).toEqual({ redemptions: 1, invalidGrants: 0 });
    expect(a.events).toContain("replayed");
  });
});
