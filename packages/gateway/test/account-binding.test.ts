import { createAuthorizer } from "@credstack/core";
import { memoryStore } from "@credstack/storage";
import { freePort } from "@credstack/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, hashApiKey } from "../src/index.js";
import { providerFor } from "./helpers/auth-server.js";
import { type GithubServer, githubProvider, startGithubServer } from "./helpers/github-server.js";
import { alice, type Harness, keyA, startHarness } from "./helpers/setup.js";

const carol = "carol@example.com";
const mallory = "mallory@example.com";

let h: Harness;
let github: GithubServer;

beforeAll(async () => {
  github = await startGithubServer([
    { login: "carol", emails: [{ email: carol, primary: true, verified: true }] },
    {
      login: "mallory",
      emails: [
        { email: "mallory@old.example", primary: false, verified: true },
        { email: mallory, primary: true, verified: true },
      ],
    },
    { login: "unverified", emails: [{ email: "nobody@example.com", primary: true, verified: false }] },
  ]);
  h = await startHarness(
    (server, base) => ({
      providers: {
        test: providerFor(server, `${base}/auth/callback/test`),
        gh: githubProvider(github, `${base}/auth/callback/gh`),
      },
    }),
    { unverifiedEmails: ["eve@example.com"] },
  );
});
afterAll(async () => {
  await h?.close();
  await github?.close();
});

const statusOf = async (sessionId: string) => (await h.call("GET", `/auth/status/${sessionId}`)).json;

describe("a provider without an ID token (GitHub-shaped user endpoint on loopback)", () => {
  it("a flow started for carol and completed by mallory is refused; nothing is stored", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "gh", account: carol });
    expect(init.status).toBe(200);
    const scope = new URL(init.json.authorizationUrl).searchParams.get("scope")?.split(" ");
    expect(scope).toContain("user:email"); // the identity proof's scope rides along
    const page = await fetch(await github.authorize(init.json.authorizationUrl, "mallory"));
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("account_mismatch");
    expect(await h.store.get({ provider: "gh", account: carol })).toBeUndefined();
    expect(await h.store.get({ provider: "gh", account: mallory })).toBeUndefined();
    expect(await statusOf(init.json.sessionId)).toMatchObject({
      status: "failed",
      error: "account_mismatch",
    });
    const token = await h.call("POST", "/auth/token", { provider: "gh", account: carol });
    expect(token.status).toBe(403);
    expect(token.json.error).toBe("authorization_required");
  });

  it("carol's own login is bound to her primary verified address and served", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "gh", account: carol });
    const page = await fetch(await github.authorize(init.json.authorizationUrl, "carol"));
    expect(page.status).toBe(200);
    const token = await h.call("POST", "/auth/token", { provider: "gh", account: carol });
    expect(token.status).toBe(200);
    expect(token.json.accessToken).toMatch(/^gho_/);
  });

  it("an unverified primary address is refused", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "gh", account: "nobody@example.com" });
    const page = await fetch(await github.authorize(init.json.authorizationUrl, "unverified"));
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("email_unverified");
    expect(await h.store.get({ provider: "gh", account: "nobody@example.com" })).toBeUndefined();
  });

  it("a flow started without an account binds to the proven identity (core authorizer)", async () => {
    const store = memoryStore();
    const config = githubProvider(github, "http://127.0.0.1:9/callback");
    const authorizer = createAuthorizer({ store, providers: { gh: config } });
    const started = await authorizer.begin({ provider: "gh", scopes: ["user:email"] });
    const record = await authorizer.handleCallback(
      await github.authorize(started.flows[0]?.url ?? "", "mallory"),
    );
    expect(record.account).toBe(mallory);
    expect(await store.get({ provider: "gh", account: mallory })).toBeDefined();
  });
});

describe("Microsoft Graph /me and OpenID userinfo (Slack) prove the account too", () => {
  for (const proof of [
    { method: "microsoft_graph" as const, path: "/v1.0/me" },
    { method: "userinfo" as const, path: "/userinfo" },
  ]) {
    it(`${proof.method}: carol's flow completed by mallory is refused, carol's own login binds`, async () => {
      const store = memoryStore();
      const config = {
        ...githubProvider(github, "http://127.0.0.1:9/callback"),
        scopes: "plain" as const,
        identityProof:
          proof.method === "userinfo"
            ? { method: "userinfo" as const, url: `${github.base}${proof.path}` }
            : { method: "microsoft_graph" as const, url: `${github.base}${proof.path}` },
      };
      const authorizer = createAuthorizer({ store, providers: { p: config } });
      const forCarol = await authorizer.begin({ provider: "p", account: carol, scopes: ["x"] });
      const refused = authorizer.handleCallback(
        await github.authorize(forCarol.flows[0]?.url ?? "", "mallory"),
      );
      await expect(refused).rejects.toMatchObject({ reason: "account_mismatch" });
      expect(await store.get({ provider: "p", account: carol })).toBeUndefined();
      const again = await authorizer.begin({ provider: "p", account: carol, scopes: ["y"] });
      const record = await authorizer.handleCallback(
        await github.authorize(again.flows[0]?.url ?? "", "carol"),
      );
      expect(record.account).toBe(carol);
      if (proof.method === "userinfo") {
        const unverified = await authorizer.begin({ provider: "p", scopes: ["z"] });
        await expect(
          authorizer.handleCallback(await github.authorize(unverified.flows[0]?.url ?? "", "unverified")),
        ).rejects.toMatchObject({ reason: "email_unverified" });
      }
    });
  }
});

describe("OIDC provider (oidc-provider): the ID token proves the account", () => {
  it("email_verified:false is refused", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "test", account: "eve@example.com" });
    const page = await fetch(await h.server.authorize(init.json.authorizationUrl, "eve@example.com"));
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("email_unverified");
    expect(await h.store.get({ provider: "test", account: "eve@example.com" })).toBeUndefined();
  });

  it("a flow for carol completed by mallory is refused", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "test", account: carol });
    const page = await fetch(await h.server.authorize(init.json.authorizationUrl, mallory));
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("account_mismatch");
    expect(await h.store.get({ provider: "test", account: carol })).toBeUndefined();
  });
});

describe("callbacks are validated before the pending authorization is consumed", () => {
  it("a forged iss, an error= and someone else's code leave the genuine flow usable", async () => {
    const init = await h.call("POST", "/auth/init", { provider: "test", account: alice });
    const state = new URL(init.json.authorizationUrl).searchParams.get("state") as string;
    const iss = encodeURIComponent(h.server.issuer);
    const callback = (query: string) => fetch(`${h.base}/auth/callback/test?${query}`);
    const forgedIss = await callback(
      `code=forged&state=${state}&iss=${encodeURIComponent("https://evil.example")}`,
    );
    expect(forgedIss.status).toBe(400);
    const error = await callback(`error=access_denied&state=${state}&iss=${iss}`);
    expect(error.status).toBe(400);
    // Someone else's (valid) code: issued for another pending flow, so its PKCE verifier does not match.
    const other = await h.call("POST", "/auth/init", {
      provider: "test",
      account: alice,
      scopes: ["api:write"],
    });
    const otherCallback = new URL(await h.server.authorize(other.json.authorizationUrl, alice));
    const foreign = await callback(
      `code=${otherCallback.searchParams.get("code")}&state=${state}&iss=${iss}`,
    );
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain("exchange_failed");
    expect(await statusOf(init.json.sessionId)).toMatchObject({ status: "pending" });

    const genuine = await h.server.authorize(init.json.authorizationUrl, alice);
    const page = await fetch(genuine);
    expect(page.status).toBe(200);
    expect(await statusOf(init.json.sessionId)).toMatchObject({ status: "completed", account: alice });
    const replay = await fetch(genuine);
    expect(replay.status).toBe(400);
  });

  it("a code is redeemed once, also when two replicas receive the same callback at once", async () => {
    const port = await freePort();
    const second = await createGateway({
      store: h.store,
      providers: { test: providerFor(h.server, `${h.base}/auth/callback/test`) },
      apiKeys: [{ id: "a", hash: hashApiKey(keyA), mode: "unrestricted" }],
      sweepIntervalMs: 0,
    });
    const secondBase = await second.listen({ port });
    try {
      const init = await h.call("POST", "/auth/init", { provider: "test", account: "dan@example.com" });
      const url = new URL(await h.server.authorize(init.json.authorizationUrl, "dan@example.com"));
      const before = h.server.calls.tokenPosts;
      const statuses = await Promise.all([
        fetch(url).then((response) => response.status),
        fetch(`${secondBase}${url.pathname}${url.search}`).then((response) => response.status),
        fetch(url).then((response) => response.status),
      ]);
      expect(statuses.sort()).toEqual([200, 400, 400]);
      expect(h.server.calls.tokenPosts - before).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe("identity proof is declared at config time", () => {
  const base = {
    issuer: "https://idp.example",
    authorization_endpoint: "https://idp.example/auth",
    token_endpoint: "https://idp.example/token",
    clientId: "c",
    redirectUri: "https://gateway.example/auth/callback/x",
  };
  it("a provider without identityProof is refused unless the operator opts out explicitly", async () => {
    await expect(
      createGateway({ store: memoryStore(), providers: { x: base }, apiKeys: [], sweepIntervalMs: 0 }),
    ).rejects.toMatchObject({
      code: "ERR_INVALID_CONFIG",
      message: expect.stringContaining("identityProof"),
    });
    const optedOut = await createGateway({
      store: memoryStore(),
      providers: { x: { ...base, identityProof: { method: "none" } } },
      apiKeys: [],
      sweepIntervalMs: 0,
    });
    await optedOut.close();
  });
});
