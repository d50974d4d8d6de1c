import { drive } from "@googleapis/drive";
import { describe, expect, it } from "vitest";
import {
  AuthorizationRequiredError,
  CallerUnauthorizedError,
  createGoogleServices,
  credstackAuthClient,
  googleService,
} from "../src/index.js";
import { googleScope, user, useStack } from "./helpers/setup.js";

const stack = useStack();

const driveRead = googleService("drive", "v3", { scopes: ["drive_read"] });

function servicesOf(options: { maxEntries?: number; ttlMs?: number; refreshThrottleMs?: number } = {}) {
  return createGoogleServices({
    resolver: stack.resolver,
    apis: { drive },
    clientOptions: { rootUrl: stack.api.googleRootUrl },
    ...options,
  });
}

const apiCallsOf = (account: string) => stack.api.log.filter((entry) => entry.account === account);

describe("googleService", () => {
  it("resolves groups and legacy names once, to canonical scopes", () => {
    expect(googleService("drive", "v3", { scopes: ["drive_read"] }).scopes).toEqual([
      googleScope("drive.readonly"),
    ]);
    expect(googleService("drive", "v3", { scopes: ["drive.readonly", "drive_read"] }).scopes).toEqual([
      googleScope("drive.readonly"),
    ]);
    expect(() => googleService("drive", "v3", { scopes: ["drive_raed"] })).toThrow(
      expect.objectContaining({ code: "ERR_UNKNOWN_SCOPE" }),
    );
    expect(() => googleService("drive", "v3", { scopes: [] })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
  });
});

describe("credstackAuthClient with the real @googleapis/drive client", () => {
  it("sends the caller's token from resolve()", async () => {
    const alice = user("alice");
    const { accessToken } = await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const auth = credstackAuthClient({
      resolver: stack.resolver,
      request: stack.requestOf(alice),
      scopes: ["drive_read"],
    });
    const client = drive({ version: "v3", auth, rootUrl: stack.api.googleRootUrl });
    const { data } = await client.files.list({ pageSize: 5 });
    expect(data.files?.map((file) => file.name)).toEqual([`Notes of ${alice}`]);
    expect(apiCallsOf(alice).map((entry) => [entry.token, entry.status])).toEqual([[accessToken, 200]]);
    expect((await auth.getAccessToken()).token).toBe(accessToken);
    expect((await auth.getRequestHeaders()).get("authorization")).toBe(`Bearer ${accessToken}`);
  });

  it("a missing scope throws AuthorizationRequiredError before any API call", async () => {
    const alice = user("alice");
    await stack.seed("google", alice, [googleScope("drive.file")]);
    const auth = credstackAuthClient({
      resolver: stack.resolver,
      request: stack.requestOf(alice),
      scopes: ["drive_read"],
    });
    const client = drive({ version: "v3", auth, rootUrl: stack.api.googleRootUrl });
    const before = stack.api.calls.api;
    const error = await client.files.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    expect(error).toMatchObject({
      code: "ERR_AUTHORIZATION_FAILED",
      missingScopes: [googleScope("drive.readonly")],
    });
    const url = new URL((error as AuthorizationRequiredError).url);
    expect(url.searchParams.get("scope")).toBe(googleScope("drive.readonly"));
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("include_granted_scopes")).toBe("true");
    expect(stack.api.calls.api).toBe(before);
  });

  it("without a verified caller, refuses with CallerUnauthorizedError and calls nothing", async () => {
    const auth = credstackAuthClient({ resolver: stack.resolver, request: {}, scopes: ["drive_read"] });
    const before = stack.api.calls.api;
    const error = await drive({ version: "v3", auth, rootUrl: stack.api.googleRootUrl })
      .files.list()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CallerUnauthorizedError);
    expect(error).toMatchObject({ code: "ERR_INVALID_TOKEN", reason: "identity_required" });
    expect(stack.api.calls.api).toBe(before);
  });
});

describe("createGoogleServices", () => {
  it("a 401 mid-session is refreshed once across 100 concurrent tool calls", async () => {
    const alice = user("alice");
    const google = servicesOf();
    const { accessToken } = await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const call = async () => {
      const client = await google.get({ request: stack.requestOf(alice) }, driveRead);
      return (await client.files.list()).data.files?.[0]?.name;
    };
    expect(await call()).toBe(`Notes of ${alice}`);
    stack.api.expire(accessToken); // Google stops accepting the token; credstack still thinks it valid.
    const redemptions = stack.api.calls.redemptions;
    const names = await Promise.all(Array.from({ length: 100 }, call));
    expect(names).toEqual(Array(100).fill(`Notes of ${alice}`));
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
    const stored = await stack.store.get({ provider: "google", account: alice });
    expect(stored?.accessToken).not.toBe(accessToken);
    const calls = apiCallsOf(alice);
    expect(calls.filter((entry) => entry.status === 200 && entry.token === stored?.accessToken)).toHaveLength(
      100,
    );
    expect(calls.filter((entry) => entry.status === 401).length).toBeLessThanOrEqual(100);
    expect(google.builds).toBe(1);
  });

  it("a stored credential expiring mid-session is refreshed once (credstack's refresher) across 100 calls", async () => {
    const alice = user("alice");
    const google = servicesOf();
    await stack.seed("google", alice, [googleScope("drive.readonly")], { expiresAt: stack.now + 60_000 });
    const call = async () =>
      (await (await google.get({ request: stack.requestOf(alice) }, driveRead)).files.list()).status;
    expect(await call()).toBe(200);
    stack.now += 120_000;
    const redemptions = stack.api.calls.redemptions;
    expect(await Promise.all(Array.from({ length: 100 }, call))).toEqual(Array(100).fill(200));
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
    expect(apiCallsOf(alice).filter((entry) => entry.status === 401)).toEqual([]);
  });

  it("a token refused again after the refresh is not refreshed twice: the 401 surfaces", async () => {
    const alice = user("alice");
    const google = servicesOf();
    await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const client = await google.get({ request: stack.requestOf(alice) }, driveRead);
    const stale = (await stack.store.get({ provider: "google", account: alice }))?.accessToken as string;
    stack.api.expire(stale);
    const redemptions = stack.api.calls.redemptions;
    await client.files.list();
    const fresh = (await stack.store.get({ provider: "google", account: alice }))?.accessToken as string;
    stack.api.expire(fresh);
    const error = await client.files.list().catch((caught: unknown) => caught);
    expect((error as { response?: { status?: number } }).response?.status).toBe(401);
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
  });

  it("a missing scope yields the authorization result (minimal missing scopes) without any API call", async () => {
    const alice = user("alice");
    const google = servicesOf();
    await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const before = stack.api.calls.api;
    const both = googleService("drive", "v3", { scopes: ["drive_read", "gmail.readonly"] });
    const error = await google
      .get({ request: stack.requestOf(alice) }, both)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    expect((error as AuthorizationRequiredError).missingScopes).toEqual([googleScope("gmail.readonly")]);
    expect(new URL((error as AuthorizationRequiredError).url).searchParams.get("login_hint")).toBe(alice);
    expect(stack.api.calls.api).toBe(before);
    expect(google.size).toBe(0);
  });

  it("two users never see each other's client, even interleaved", async () => {
    const alice = user("alice");
    const bob = user("bob");
    const carol = user("carol");
    const google = servicesOf();
    const aliceTokens = await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const bobTokens = await stack.seed("google", bob, [googleScope("drive")]);
    const who = [alice, bob, alice, bob, alice, bob, alice, bob];
    const results = await Promise.all(
      who.map(async (email) => {
        const client = await google.get({ request: stack.requestOf(email) }, driveRead);
        return { client, name: (await client.files.list()).data.files?.[0]?.name };
      }),
    );
    results.forEach((result, index) => {
      expect(result.name).toBe(`Notes of ${who[index]}`);
    });
    expect(results[0]?.client).toBe(results[2]?.client);
    expect(results[0]?.client).not.toBe(results[1]?.client);
    expect(new Set(apiCallsOf(alice).map((entry) => entry.token))).toEqual(
      new Set([aliceTokens.accessToken]),
    );
    expect(new Set(apiCallsOf(bob).map((entry) => entry.token))).toEqual(new Set([bobTokens.accessToken]));
    // Carol has no credential: Alice's and Bob's cached clients are not hers to use.
    const error = await google
      .get({ request: stack.requestOf(carol) }, driveRead)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    expect(new URL((error as AuthorizationRequiredError).url).searchParams.get("login_hint")).toBe(carol);
    // An account argument cannot select another user's account.
    const other = await google
      .get({ request: stack.requestOf(carol), account: alice }, driveRead)
      .catch((caught: unknown) => caught);
    expect(other).toMatchObject({ reason: "account_not_allowed" });
  });

  it("builds one client per identity and service; bounded and expiring", async () => {
    const alice = user("alice");
    const bob = user("bob");
    const google = servicesOf({ maxEntries: 3 });
    await stack.seed("google", alice, [googleScope("drive")]);
    await stack.seed("google", bob, [googleScope("drive")]);
    const same = googleService("drive", "v3", { scopes: ["drive.readonly"] });
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        google.get({ request: stack.requestOf(alice) }, i % 2 ? driveRead : same),
      ),
    );
    expect(new Set(clients).size).toBe(1);
    expect(google.builds).toBe(1);
    await google.get({ request: stack.requestOf(bob) }, driveRead);
    await google.get(
      { request: stack.requestOf(alice) },
      googleService("drive", "v2", { scopes: ["drive_read"] }),
    );
    await google.get(
      { request: stack.requestOf(alice) },
      googleService("drive", "v3", { scopes: ["drive"] }),
    );
    expect(google.builds).toBe(4);
    expect(google.size).toBe(3);

    const shortLived = servicesOf({ ttlMs: 20 });
    const first = await shortLived.get({ request: stack.requestOf(alice) }, driveRead);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await shortLived.get({ request: stack.requestOf(alice) }, driveRead)).not.toBe(first);
    expect(shortLived.builds).toBe(2);
  });

  it("drops a client when the credential is revoked or changes", async () => {
    const alice = user("alice");
    const google = servicesOf();
    stack.listeners.push((event) => google.onRefreshEvent(event));
    const { accessToken } = await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const client = await google.get({ request: stack.requestOf(alice) }, driveRead);
    expect(google.size).toBe(1);

    // Re-authorized with more scopes: a new client.
    await stack.seed("google", alice, [googleScope("drive.readonly"), googleScope("gmail.readonly")]);
    const changed = await google.get({ request: stack.requestOf(alice) }, driveRead);
    expect(changed).not.toBe(client);
    expect(google.size).toBe(1);

    // Revoked at Google: the 401's refresh gets invalid_grant, credstack removes the credential.
    stack.api.expire(accessToken);
    stack.api.revoke(alice);
    const error = await changed.files.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    expect(stack.events.some((event) => event.type === "invalidated" && event.account === alice)).toBe(true);
    expect(google.size).toBe(0);
    expect(await stack.store.get({ provider: "google", account: alice })).toBeUndefined();
    expect(google.invalidate()).toBe(0);
  });
});
