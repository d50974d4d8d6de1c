import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alice, type Harness, keyB, startHarness } from "./helpers/setup.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const key = { provider: "test", account: alice };

describe("authorization flow through the gateway (real oidc-provider, code + PKCE)", () => {
  it("init → consent → callback → status completed → token equals the stored one", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "test", account: alice });
    expect(init.status).toBe(200);
    expect(init.json.authorizationUrl).toContain("code_challenge_method=S256");
    expect(init.json.flows).toHaveLength(1);
    const pending = await h.call("GET", `/auth/status/${init.json.sessionId}`);
    expect(pending.json).toMatchObject({ status: "pending", provider: "test", account: alice });

    const callback = await h.server.authorize(init.json.authorizationUrl);
    expect(callback.startsWith(`${h.base}/auth/callback/test?`)).toBe(true);
    const page = await fetch(callback);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Authorization complete");

    const done = await h.call("GET", `/auth/status/${init.json.sessionId}`);
    expect(done.json).toMatchObject({ status: "completed", account: alice });
    expect(done.json.scopes).toEqual(expect.arrayContaining(["api:read", "offline_access"]));

    const token = await h.call("POST", "/auth/token", { provider: "test", account: alice });
    expect(token.status).toBe(200);
    const stored = await h.store.get(key);
    expect(token.json).toMatchObject({
      accessToken: stored?.accessToken,
      tokenType: "Bearer",
      account: alice,
    });
    expect(token.json.expiresAt).toBe(stored?.expiresAt);
  });

  it("a replayed callback is refused and does not touch the credential", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "test", account: alice });
    const callback = await h.server.authorize(init.json.authorizationUrl);
    expect((await fetch(callback)).status).toBe(200);
    const before = await h.store.get(key);
    const replay = await fetch(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("unknown_state");
    expect((await h.store.get(key))?.version).toBe(before?.version);
  });

  it("a provider error (or a forged one) leaves the flow pending and usable", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "test", account: "bob@example.com" });
    const state = new URL(init.json.authorizationUrl).searchParams.get("state") as string;
    const page = await fetch(
      `${h.base}/auth/callback/test?error=access_denied&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(h.server.issuer)}`,
    );
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("provider_error");
    const status = await h.call("GET", `/auth/status/${init.json.sessionId}`);
    expect(status.json).toMatchObject({ status: "pending" });
  });

  it("a session is visible only to the API key that started it", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "test", account: alice });
    expect((await h.call("GET", `/auth/status/${init.json.sessionId}`, undefined, keyB)).status).toBe(404);
    expect((await h.call("GET", `/auth/status/${init.json.sessionId}`)).status).toBe(200);
  });

  it("an expired token is refreshed through the resolver (rotation persisted)", async () => {
    const current = await h.store.get(key);
    if (current === undefined) throw new Error("no credential");
    await h.store.put({ ...current, expiresAt: Date.now() - 1000 }, { expectedVersion: current.version });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the refresher's 1 s record cache
    const refreshes = h.server.calls.refresh;
    const token = await h.call("POST", "/auth/token", { provider: "test", account: alice });
    expect(token.status).toBe(200);
    expect(h.server.calls.refresh).toBe(refreshes + 1);
    const stored = await h.store.get(key);
    expect(token.json.accessToken).toBe(stored?.accessToken);
    expect(token.json.accessToken).not.toBe(current.accessToken);
    expect(stored?.refreshToken).not.toBe(current.refreshToken);
    expect(token.json.expiresAt).toBeGreaterThan(Date.now());
  });

  it("forceRefresh redeems the refresh token once", async () => {
    const refreshes = h.server.calls.refresh;
    const before = await h.store.get(key);
    const token = await h.call("POST", "/auth/token", {
      provider: "test",
      account: alice,
      forceRefresh: true,
    });
    expect(token.status).toBe(200);
    expect(h.server.calls.refresh).toBe(refreshes + 1);
    expect(token.json.accessToken).not.toBe(before?.accessToken);
  });

  it("GET /auth/providers/:account lists credentials without any token", async () => {
    const listed = await h.call("GET", `/auth/providers/${encodeURIComponent("ALICE@example.com")}`);
    expect(listed.status).toBe(200);
    expect(listed.json.providers).toHaveLength(1);
    expect(listed.json.providers[0]).toMatchObject({ provider: "test", hasRefreshToken: true });
    const stored = await h.store.get(key);
    const text = JSON.stringify(listed.json);
    expect(text).not.toContain(stored?.accessToken as string);
    expect(text).not.toContain(stored?.refreshToken as string);
    const nobody = await h.call("GET", "/auth/providers/nobody@example.com");
    expect(nobody.json.providers).toEqual([]);
    const long = await h.call("GET", `/auth/providers/${"l".repeat(240)}%40example.com`);
    expect(long.status).toBe(200);
    expect(long.json.account).toBe(`${"l".repeat(240)}@example.com`);
  });

  it("a token for scopes the credential lacks answers 403 authorization_required with a session", async () => {
    const token = await h.call("POST", "/auth/token", {
      provider: "test",
      account: alice,
      scopes: ["api:write"],
    });
    expect(token.status).toBe(403);
    expect(token.json).toMatchObject({ error: "authorization_required", missingScopes: ["api:write"] });
    expect(token.json.authorizationUrl).toContain("api%3Awrite");
    const status = await h.call("GET", `/auth/status/${token.json.sessionId}`);
    expect(status.json.status).toBe("pending");
  });

  it("DELETE /auth/revoke revokes at the provider (RFC 7009) and deletes the credential", async () => {
    const stored = await h.store.get(key);
    const revocations = h.server.calls.revocations;
    const revoked = await h.call("DELETE", "/auth/revoke", { provider: "test", account: alice });
    expect(revoked.status).toBe(200);
    expect(revoked.json).toEqual({ deleted: true, providerRevocation: "revoked" });
    expect(h.server.calls.revocations).toBe(revocations + 1);
    expect(await h.store.get(key)).toBeUndefined();
    // The provider no longer accepts the revoked refresh token.
    const grant = await fetch(`${h.server.issuer}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${h.server.clientId}:${h.server.clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: stored?.refreshToken as string,
      }),
    });
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as { error: string }).error).toBe("invalid_grant");

    const token = await h.call("POST", "/auth/token", { provider: "test", account: alice });
    expect(token.status).toBe(403);
    expect(token.json.error).toBe("authorization_required");
    const again = await h.call("DELETE", "/auth/revoke", { provider: "test", account: alice });
    expect(again.json).toEqual({ deleted: false, providerRevocation: "nothing_to_revoke" });
  });

  it("a refresh token the provider revoked (invalid_grant) removes the credential: 403 authorization_required", async () => {
    await h.signIn();
    const current = await h.store.get(key);
    if (current === undefined) throw new Error("no credential");
    const revoked = await fetch(`${h.server.issuer}/token/revocation`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${h.server.clientId}:${h.server.clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ token: current.refreshToken as string, token_type_hint: "refresh_token" }),
    });
    expect(revoked.status).toBe(200);
    await h.store.put({ ...current, expiresAt: Date.now() - 1000 }, { expectedVersion: current.version });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const token = await h.call("POST", "/auth/token", { provider: "test", account: alice });
    expect(token.status).toBe(403);
    expect(token.json.reasons.join(" ")).toContain("invalid_grant");
    expect(await h.store.get(key)).toBeUndefined();
  });
});
