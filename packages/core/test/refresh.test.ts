import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CredentialStore } from "@credstack/storage";
import {
  aesGcmCipher,
  generateKey,
  InvalidRecordError,
  memoryStore,
  StoreUnavailableError,
} from "@credstack/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RefreshFailedError } from "../src/errors.js";
import { createRefresher } from "../src/index.js";
import { RefreshSpool, refreshHashOf } from "../src/lib/spool.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";
import { startScriptedTokenServer } from "./helpers/scripted-token-server.js";
import { alice, expire, setup, signIn } from "./helpers/setup.js";

let server: AuthServer;
beforeAll(async () => {
  server = await startAuthServer({ accessTokenTtlSec: 60 });
});
afterAll(async () => {
  await server?.close();
});

const key = { provider: "test", account: alice };
const ask = { provider: "test", account: alice, scopes: ["api:read"] };

describe("refresh against a rotating oidc-provider", () => {
  it("refreshes an expired credential, saves the rotated refresh token before returning the access token", async () => {
    const parts = setup({ test: server.config });
    const first = await signIn(server, parts);
    await expire(parts);
    const before = server.calls.tokenPosts;
    const result = await parts.resolver.resolve(ask);
    expect(result.kind).toBe("token");
    if (result.kind !== "token") return;
    expect(server.calls.tokenPosts - before).toBe(1);
    expect(result.accessToken).not.toBe(first.accessToken);
    const stored = await parts.store.get(key);
    expect(stored?.accessToken).toBe(result.accessToken);
    expect(stored?.refreshToken).toBeDefined();
    expect(stored?.refreshToken).not.toBe(first.refreshToken); // rotated and persisted
    expect(result.expiresAt).toBeGreaterThan(parts.clock());
    expect(parts.events.map((event) => event.type)).toEqual(["refreshed"]);
  });

  it("1000 concurrent callers on one expired credential: exactly one token-endpoint call, one result", async () => {
    const parts = setup({ test: server.config });
    await signIn(server, parts);
    await expire(parts);
    const before = server.calls.tokenPosts;
    const results = await Promise.all(Array.from({ length: 1000 }, () => parts.resolver.resolve(ask)));
    expect(server.calls.tokenPosts - before).toBe(1);
    const tokens = new Set(
      results.map((result) => (result.kind === "token" ? result.accessToken : result.kind)),
    );
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toBe((await parts.store.get(key))?.accessToken);
  });

  it("inside the window: returns the valid token and starts exactly one background refresh", async () => {
    const parts = setup({ test: server.config });
    const first = await signIn(server, parts);
    // Lifetime 60 s → window 30 s: move the clock to 20 s before expiry.
    parts.clock.set((first.expiresAt as number) - 20_000);
    const before = server.calls.tokenPosts;
    const results = await Promise.all(Array.from({ length: 50 }, () => parts.resolver.resolve(ask)));
    for (const result of results)
      expect(result.kind === "token" && result.accessToken).toBe(first.accessToken);
    expect(parts.refresher.inFlight).toBe(1);
    await parts.refresher.close();
    expect(server.calls.tokenPosts - before).toBe(1);
    expect((await parts.store.get(key))?.accessToken).not.toBe(first.accessToken);
  });

  it("never refreshes a token without expiry ahead; forceRefresh is single-flight and once per call", async () => {
    const parts = setup({ test: server.config });
    const first = await signIn(server, parts);
    const current = await parts.store.get(key);
    const { expiresAt: _drop, ...rest } = current as NonNullable<typeof current>;
    await parts.store.put(rest, { expectedVersion: first.version });
    parts.clock.advance(10 * 365 * 86_400_000);
    let before = server.calls.tokenPosts;
    const plain = await parts.resolver.resolve(ask);
    expect(plain.kind === "token" && plain.accessToken).toBe(first.accessToken);
    expect(server.calls.tokenPosts - before).toBe(0);
    before = server.calls.tokenPosts;
    const forced = await Promise.all(
      Array.from({ length: 20 }, () => parts.resolver.resolve({ ...ask, forceRefresh: true })),
    );
    expect(server.calls.tokenPosts - before).toBe(1);
    expect(new Set(forced.map((result) => result.kind === "token" && result.accessToken)).size).toBe(1);
  });

  it("revocation → invalid_grant → compare-and-delete → authorization_required", async () => {
    const parts = setup({ test: server.config });
    const first = await signIn(server, parts);
    await server.revoke(first.refreshToken as string);
    await expire(parts);
    const result = await parts.resolver.resolve(ask);
    expect(result.kind).toBe("authorization_required");
    if (result.kind !== "authorization_required") return;
    expect(result.reasons.join(" ")).toMatch(/invalid_grant/);
    expect(await parts.store.get(key)).toBeUndefined();
    expect(parts.events.map((event) => event.type)).toContain("invalidated");
    expect(result.missingScopes).toEqual(["api:read"]);
  });

  it("a save the store refuses (not an outage) fails the call and returns no token", async () => {
    const parts = setup({ test: server.config });
    await signIn(server, parts);
    await expire(parts);
    const failing: CredentialStore = {
      ...parts.store,
      capabilities: parts.store.capabilities,
      get: (k) => parts.store.get(k),
      lease: (k, o) => (parts.store.lease as NonNullable<CredentialStore["lease"]>)(k, o),
      put: async () => {
        throw new InvalidRecordError("refused");
      },
    };
    const broken = setup({ test: server.config }, { store: failing });
    const error = await broken.resolver.resolve(ask).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshFailedError);
    expect((error as RefreshFailedError).code).toBe("ERR_REFRESH_FAILED");
    expect((error as RefreshFailedError).transient).toBe(false);
  });

  it("a store outage at save time: the new token is served, the save retried until the store takes it", async () => {
    const parts = setup({ test: server.config });
    await signIn(server, parts);
    await expire(parts);
    let down = 3;
    const flaky: CredentialStore = {
      ...parts.store,
      capabilities: parts.store.capabilities,
      get: (k) => parts.store.get(k),
      lease: (k, o) => (parts.store.lease as NonNullable<CredentialStore["lease"]>)(k, o),
      put: async (record, options) => {
        if (down-- > 0) throw new StoreUnavailableError("down");
        return parts.store.put(record, options);
      },
    };
    const events: string[] = [];
    const refresher = createRefresher({
      store: flaky,
      providers: { test: server.config },
      clock: parts.clock,
      onEvent: (event) => events.push(event.type),
    });
    const before = server.calls.tokenPosts;
    const old = await parts.store.get(key);
    const served = await refresher.usable(old as NonNullable<typeof old>);
    expect(served.kind).toBe("token");
    if (served.kind !== "token") return;
    expect(served.record.accessToken).not.toBe(old?.accessToken);
    // Until the store takes it, reads serve the rotated record and no second redemption happens.
    expect((await refresher.read(key))?.accessToken).toBe(served.record.accessToken);
    for (let i = 0; i < 100 && down >= 0; i++) await new Promise((r) => setTimeout(r, 50));
    await refresher.close();
    const stored = await parts.store.get(key);
    expect(stored?.accessToken).toBe(served.record.accessToken);
    expect(stored?.refreshToken).not.toBe(old?.refreshToken);
    expect(server.calls.tokenPosts - before).toBe(1);
    expect(events).toEqual(["save_retrying", "refreshed"]);
  });

  it("a refresher opening a spool replays what a stopped process left there, before any redemption", async () => {
    const parts = setup({ test: server.config });
    const first = await signIn(server, parts);
    const directory = join(mkdtempSync(join(tmpdir(), "credstack-spool-")), "spool");
    const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
    // What a process that redeemed and then died before saving left behind.
    await new RefreshSpool({ directory, cipher }).add({
      baseVersion: first.version,
      oldRefreshHash: refreshHashOf(first.refreshToken),
      record: { ...first, accessToken: "spooled-access", refreshToken: "spooled-refresh" },
    });
    const before = server.calls.tokenPosts;
    const refresher = createRefresher({
      store: parts.store,
      providers: { test: server.config },
      spool: { directory, cipher },
    });
    await refresher.close(); // waits for the start-up replay
    expect(await parts.store.get(key)).toMatchObject({
      accessToken: "spooled-access",
      refreshToken: "spooled-refresh",
    });
    expect(readdirSync(directory)).toEqual([]);
    expect(server.calls.tokenPosts).toBe(before);
    rmSync(join(directory, ".."), { recursive: true, force: true });
  });

  it("forceRefresh is throttled: 10 sequential forced calls, one redemption, every caller the fresh token", async () => {
    const parts = setup({ test: server.config });
    const first = await signIn(server, parts);
    const before = server.calls.tokenPosts;
    const tokens = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const result = await parts.resolver.resolve({ ...ask, forceRefresh: true });
      if (result.kind === "token") tokens.add(result.accessToken);
      parts.clock.advance(100);
    }
    expect(server.calls.tokenPosts - before).toBe(1);
    expect(tokens.size).toBe(1);
    expect(tokens.has(first.accessToken as string)).toBe(false);
    // After the interval (5 s by default) a forced call redeems again.
    parts.clock.advance(5000);
    const later = await parts.resolver.resolve({ ...ask, forceRefresh: true });
    expect(server.calls.tokenPosts - before).toBe(2);
    expect(later.kind === "token" && tokens.has(later.accessToken)).toBe(false);
  });
});

describe("refresh failures (scripted token endpoint)", () => {
  async function seeded(
    status: Parameters<Awaited<ReturnType<typeof startScriptedTokenServer>>["reply"]>[0],
  ) {
    const tokens = await startScriptedTokenServer();
    tokens.reply(status);
    const parts = setup({ test: tokens.config }, { cooldownMs: 30_000 });
    const now = parts.clock();
    await parts.store.put(
      {
        provider: "test",
        account: alice,
        accessToken: "seed-access-AAA",
        refreshToken: "seed-refresh-BBB",
        scopes: ["api:read"],
        expiresAt: now - 1,
      },
      { expectedVersion: 0 },
    );
    return { tokens, parts };
  }

  for (const [label, reply] of [
    ["500", { status: 500, body: { error: "server_error" } }],
    ["503 without JSON", { status: 503 }],
    ["429", { status: 429, body: { error: "slow_down" } }],
    ["a hanging endpoint (timeout)", "hang"],
  ] as const) {
    it(`${label} → transient ERR_REFRESH_FAILED, nothing deleted, no retry, cooldown`, async () => {
      const { tokens, parts } = await seeded(reply);
      try {
        const error = await parts.resolver.resolve(ask).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RefreshFailedError);
        expect((error as RefreshFailedError).transient).toBe(true);
        expect(tokens.requests).toHaveLength(1); // never retried
        expect((await parts.store.get(key))?.refreshToken).toBe("seed-refresh-BBB");
        // Cooldown: no new token request for the key.
        await expect(parts.resolver.resolve(ask)).rejects.toBeInstanceOf(RefreshFailedError);
        expect(tokens.requests).toHaveLength(1);
        // After the cooldown, a new attempt is made (the failure was not cached).
        parts.clock.advance(30_001);
        tokens.reply({
          status: 200,
          body: { access_token: "new-access", token_type: "Bearer", expires_in: 3600 },
        });
        const result = await parts.resolver.resolve(ask);
        expect(result.kind === "token" && result.accessToken).toBe("new-access");
        expect(tokens.requests).toHaveLength(2);
      } finally {
        await tokens.close();
      }
    });
  }

  it("a transient failure inside the window still returns the valid token", async () => {
    const { tokens, parts } = await seeded({ status: 500 });
    try {
      const record = await parts.store.get(key);
      await parts.store.put(
        { ...(record as NonNullable<typeof record>), expiresAt: parts.clock() + 60_000 },
        { expectedVersion: 1 },
      );
      parts.clock.advance(100); // lifetime 60 s from updatedAt: 59.9 s left... move into the window
      parts.clock.advance(40_000);
      const result = await parts.resolver.resolve(ask);
      expect(result.kind === "token" && result.accessToken).toBe("seed-access-AAA");
      await parts.refresher.close();
      expect(tokens.requests).toHaveLength(1);
      expect(parts.events.map((event) => event.type)).toContain("background_failed");
      expect(await parts.store.get(key)).toBeDefined();
    } finally {
      await tokens.close();
    }
  });

  it("a response without refresh_token keeps the old refresh token", async () => {
    const { tokens, parts } = await seeded({
      status: 200,
      body: { access_token: "next-access", token_type: "bearer", expires_in: 60 },
    });
    try {
      const result = await parts.resolver.resolve(ask);
      expect(result.kind === "token" && result.accessToken).toBe("next-access");
      const stored = await parts.store.get(key);
      expect(stored?.refreshToken).toBe("seed-refresh-BBB");
      expect(stored?.accessToken).toBe("next-access");
      expect(tokens.requests[0]?.get("refresh_token")).toBe("seed-refresh-BBB");
    } finally {
      await tokens.close();
    }
  });

  it("invalid_grant deletes only the version that failed", async () => {
    const tokens = await startScriptedTokenServer();
    const parts = setup({ test: tokens.config });
    try {
      await parts.store.put(
        {
          provider: "test",
          account: alice,
          accessToken: "a1",
          refreshToken: "r1",
          scopes: ["api:read"],
          expiresAt: parts.clock() - 1,
        },
        { expectedVersion: 0 },
      );
      // While the token request is in flight, someone stores a new credential (version 2).
      tokens.reply(async () => {
        const current = await parts.store.get(key);
        await parts.store.put(
          {
            ...(current as NonNullable<typeof current>),
            accessToken: "a2",
            refreshToken: "r2",
            expiresAt: parts.clock() + 3_600_000,
          },
          { expectedVersion: 1 },
        );
        return { status: 400, body: { error: "invalid_grant" } };
      });
      const result = await parts.resolver.resolve(ask);
      expect(result.kind === "token" && result.accessToken).toBe("a2");
      expect((await parts.store.get(key))?.refreshToken).toBe("r2");
    } finally {
      await tokens.close();
    }
  });

  it("a non-JSON 4xx (invalid_client) fails without deleting", async () => {
    const { tokens, parts } = await seeded({ status: 401, body: { error: "invalid_client" } });
    try {
      const error = await parts.resolver.resolve(ask).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RefreshFailedError);
      expect((error as RefreshFailedError).transient).toBe(false);
      expect(await parts.store.get(key)).toBeDefined();
    } finally {
      await tokens.close();
    }
  });
});

describe("store without lease", () => {
  it("still single-flights in process", async () => {
    const tokens = await startScriptedTokenServer();
    try {
      const inner = memoryStore();
      const noLease: CredentialStore = {
        capabilities: { ...inner.capabilities, lease: false },
        get: (k) => inner.get(k),
        put: (r, o) => inner.put(r, o),
        delete: (k, o) => inner.delete(k, o),
        list: (o) => inner.list(o),
        close: () => inner.close(),
      };
      const parts = setup({ test: tokens.config }, { store: noLease });
      await noLease.put(
        {
          provider: "test",
          account: alice,
          accessToken: "a1",
          refreshToken: "r1",
          scopes: ["api:read"],
          expiresAt: parts.clock() - 1,
        },
        { expectedVersion: 0 },
      );
      tokens.reply({
        status: 200,
        body: { access_token: "a2", refresh_token: "r2", token_type: "Bearer", expires_in: 60 },
      });
      const results = await Promise.all(Array.from({ length: 100 }, () => parts.resolver.resolve(ask)));
      expect(tokens.requests).toHaveLength(1);
      expect(results.every((result) => result.kind === "token" && result.accessToken === "a2")).toBe(true);
    } finally {
      await tokens.close();
    }
  });
});
