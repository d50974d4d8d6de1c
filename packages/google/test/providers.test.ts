import { Client, GraphError, HTTPMessageHandler } from "@microsoft/microsoft-graph-client";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { AuthorizationRequiredError } from "../src/errors.js";
import { authorizedFetch } from "../src/fetch.js";
import { credstackOctokitAuth, type OctokitAuthOptions } from "../src/github.js";
import { credstackGraphAuthProvider, credstackGraphMiddleware } from "../src/graph.js";
import { user, useStack } from "./helpers/setup.js";

const stack = useStack();

const apiCallsOf = (account: string) => stack.api.log.filter((entry) => entry.account === account);
const tokenOf = async (provider: string, account: string) =>
  (await stack.store.get({ provider, account }))?.accessToken as string;

describe("authorizedFetch", () => {
  it("sends the caller's token; a 401 refreshes once and retries once", async () => {
    const alice = user("alice");
    const { accessToken } = await stack.seed("github", alice, ["read:user"]);
    const api = authorizedFetch({
      resolver: stack.resolver,
      request: stack.requestOf(alice),
      provider: "github",
      scopes: ["read:user"],
    });
    const first = await api(`${stack.api.githubBaseUrl}/user`);
    expect(await first.json()).toMatchObject({ login: alice });
    stack.api.expire(accessToken);
    const redemptions = stack.api.calls.redemptions;
    const second = await api(
      new Request(`${stack.api.githubBaseUrl}/user`, { headers: { accept: "application/json" } }),
    );
    expect(second.status).toBe(200);
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
    expect(apiCallsOf(alice).map((entry) => entry.status)).toEqual([200, 401, 200]);
    expect(apiCallsOf(alice).at(-1)?.token).toBe(await tokenOf("github", alice));
  });

  it("a 401 arriving after another call's refresh retries with the new token, without a second refresh", async () => {
    const alice = user("alice");
    const { accessToken } = await stack.seed("github", alice, ["read:user"]);
    stack.api.expire(accessToken);
    let releaseLate!: () => void;
    const late = new Promise<void>((resolve) => {
      releaseLate = resolve;
    });
    let held = 0;
    // The second call's first request (still carrying the old token) reaches the API only after the
    // first call has refreshed and retried.
    const slowFetch: typeof fetch = async (input, init) => {
      const sent = new Headers(init?.headers).get("authorization");
      if (sent === `Bearer ${accessToken}` && held++ === 1) await late;
      return fetch(input, init);
    };
    const make = () =>
      authorizedFetch({
        resolver: stack.resolver,
        request: stack.requestOf(alice),
        provider: "github",
        scopes: ["read:user"],
        fetch: slowFetch,
      });
    const redemptions = stack.api.calls.redemptions;
    const a = make()(`${stack.api.githubBaseUrl}/user`);
    const b = make()(`${stack.api.githubBaseUrl}/user`);
    // Whichever call sends first refreshes and retries; the other's old-token request is let through
    // only once that call has its answer.
    const first = await Promise.race([a, b]);
    expect(first.status).toBe(200);
    releaseLate();
    expect((await a).status).toBe(200);
    expect((await b).status).toBe(200);
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
  });

  it("a missing scope throws AuthorizationRequiredError without any request", async () => {
    const alice = user("alice");
    await stack.seed("github", alice, ["read:user"]);
    const before = stack.api.calls.api;
    const api = authorizedFetch({
      resolver: stack.resolver,
      request: stack.requestOf(alice),
      provider: "github",
      scopes: ["read:user", "repo"],
    });
    const error = await api(`${stack.api.githubBaseUrl}/user`).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    expect((error as AuthorizationRequiredError).missingScopes).toEqual(["repo"]);
    expect(stack.api.calls.api).toBe(before);
  });
});

describe("Octokit authStrategy (real @octokit/rest)", () => {
  const octokitFor = (email: string, scopes: readonly string[]) =>
    new Octokit({
      baseUrl: stack.api.githubBaseUrl,
      authStrategy: credstackOctokitAuth,
      auth: {
        resolver: stack.resolver,
        request: stack.requestOf(email),
        scopes,
      } satisfies OctokitAuthOptions,
    });

  it("sends the caller's token, refreshes once after a 401, and reports a missing scope before calling", async () => {
    const alice = user("alice");
    const bob = user("bob");
    const { accessToken } = await stack.seed("github", alice, ["read:user"]);
    const octokit = octokitFor(alice, ["read:user"]);
    expect((await octokit.rest.users.getAuthenticated()).data.login).toBe(alice);
    expect(apiCallsOf(alice).at(-1)?.token).toBe(accessToken);
    expect(await octokit.auth()).toEqual({ type: "token", tokenType: "oauth", token: accessToken });

    stack.api.expire(accessToken);
    const redemptions = stack.api.calls.redemptions;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => octokit.rest.users.getAuthenticated()),
    );
    expect(results.map((result) => result.data.login)).toEqual(Array(10).fill(alice));
    expect(stack.api.calls.redemptions - redemptions).toBe(1);

    const before = stack.api.calls.api;
    const error = await octokitFor(bob, ["read:user"])
      .rest.users.getAuthenticated()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    expect(new URL((error as AuthorizationRequiredError).url).searchParams.get("login_hint")).toBe(bob);
    expect(stack.api.calls.api).toBe(before);
  });
});

describe("Microsoft Graph client (real @microsoft/microsoft-graph-client)", () => {
  it("AuthenticationProvider: the caller's token; a missing scope before any call", async () => {
    // The SDK's AuthenticationHandler only authenticates https Graph (or custom) hosts, so the loopback
    // end-to-end runs go through credstackGraphMiddleware below; here the provider is asked as the SDK asks.
    const alice = user("alice");
    const { accessToken } = await stack.seed("microsoft", alice, ["User.Read"]);
    const provider = credstackGraphAuthProvider({
      resolver: stack.resolver,
      request: stack.requestOf(alice),
      scopes: ["User.Read"],
    });
    expect(await provider.getAccessToken()).toBe(accessToken);
    const wider = credstackGraphAuthProvider({
      resolver: stack.resolver,
      request: stack.requestOf(alice),
      scopes: ["User.Read", "Mail.Read"],
    });
    const error = await wider.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    expect((error as AuthorizationRequiredError).missingScopes).toEqual(["Mail.Read"]);
  });

  it("middleware: a missing scope fails before any call", async () => {
    const alice = user("alice");
    await stack.seed("microsoft", alice, ["User.Read"]);
    const middleware = credstackGraphMiddleware({
      resolver: stack.resolver,
      request: stack.requestOf(alice),
      scopes: ["User.Read", "Mail.Read"],
    });
    const graph = Client.initWithMiddleware({
      baseUrl: stack.api.graphBaseUrl,
      middleware: [middleware, new HTTPMessageHandler()],
    });
    const before = stack.api.calls.api;
    const error = await graph
      .api("/me")
      .get()
      .catch((caught: unknown) => caught);
    // The SDK rewraps middleware errors; the typed error stays on the middleware.
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).code).toBe("AuthorizationRequiredError");
    expect(middleware.authorizationRequired).toBeInstanceOf(AuthorizationRequiredError);
    expect(middleware.authorizationRequired?.missingScopes).toEqual(["Mail.Read"]);
    expect(stack.api.calls.api).toBe(before);
  });

  it("middleware: a 401 refreshes once and retries once", async () => {
    const alice = user("alice");
    const { accessToken } = await stack.seed("microsoft", alice, ["User.Read"]);
    const graph = Client.initWithMiddleware({
      baseUrl: stack.api.graphBaseUrl,
      middleware: [
        credstackGraphMiddleware({
          resolver: stack.resolver,
          request: stack.requestOf(alice),
          scopes: ["User.Read"],
        }),
        new HTTPMessageHandler(),
      ],
    });
    expect(await graph.api("/me").get()).toMatchObject({ userPrincipalName: alice });
    stack.api.expire(accessToken);
    const redemptions = stack.api.calls.redemptions;
    expect(await graph.api("/me").get()).toMatchObject({ userPrincipalName: alice });
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
    expect(apiCallsOf(alice).map((entry) => entry.status)).toEqual([200, 401, 200]);

    // Refused again right after: no second refresh inside the throttle window; Graph's error surfaces.
    stack.api.expire(await tokenOf("microsoft", alice));
    const error = await graph
      .api("/me")
      .get()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).statusCode).toBe(401);
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
  });
});
