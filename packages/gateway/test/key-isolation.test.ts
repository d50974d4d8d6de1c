import { memoryAccountLinks } from "@credstack/core";
import * as oauth from "oauth4webapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditEvent, hashApiKey } from "../src/index.js";
import { alice, type Harness, keyA, startHarness } from "./helpers/setup.js";

const bob = "bob@example.com";
const carol = "carol@other.example";
const keys = {
  serviceA: "csk_test_service_alice_0123456789abcdefghijklmnop",
  serviceOther: "csk_test_service_other_0123456789abcdefghijklmnop",
  delegated: "csk_test_delegated_key_0123456789abcdefghijklmnop",
};
const audience = "gateway-users";

let h: Harness;
const events: AuditEvent[] = [];
/** A user's bearer JWT, as their MCP server or app received it, signed by the test IdP. */
let userToken: (email: string, extra?: Record<string, unknown>) => string;

beforeAll(async () => {
  h = await startHarness((server) => ({
    apiKeys: [
      { id: "a", hash: hashApiKey(keyA), mode: "unrestricted" },
      { id: "svc-alice", hash: hashApiKey(keys.serviceA), mode: "service", accounts: [alice] },
      {
        id: "svc-other",
        hash: hashApiKey(keys.serviceOther),
        mode: "service",
        accounts: ["@other.example", "*-bot@example.com"],
      },
      { id: "mcp", hash: hashApiKey(keys.delegated), mode: "delegated" },
    ],
    delegation: {
      bearer: { jwksUrl: server.jwksUrl, issuer: server.issuer, audience },
      // Carol's identity may also use the shared team account.
      accountLinks: memoryAccountLinks({
        [`${server.issuer}#user-${carol}`]: { primary: carol, linked: ["team@example.com"] },
      }),
    },
    audit: { onEvent: (event) => events.push(event) },
  }));
  const now = () => Math.floor(Date.now() / 1000);
  userToken = (email, extra = {}) =>
    h.server.signJwt({
      iss: h.server.issuer,
      aud: audience,
      sub: `user-${email}`,
      email,
      email_verified: true,
      iat: now(),
      exp: now() + 300,
      ...extra,
    });
  await h.signIn(alice);
  await h.signIn(bob);
});
afterAll(async () => {
  await h?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("service keys: allow-lists", () => {
  it("a key reads the accounts of its grant and nothing else (token, providers, revoke), each refusal audited", async () => {
    const ok = await h.call("POST", "/auth/token", { provider: "test", account: alice }, keys.serviceA);
    expect(ok.status).toBe(200);
    expect(ok.json.account).toBe(alice);

    events.length = 0;
    const other = keys.serviceOther;
    const token = await h.call("POST", "/auth/token", { provider: "test", account: alice }, other);
    expect(token.status).toBe(403);
    expect(token.json).toEqual({ error: "access_denied", message: expect.any(String) });
    expect(JSON.stringify(token.json)).not.toContain("eyJ");
    const listing = await h.call("GET", `/auth/providers/${alice}`, undefined, other);
    expect(listing.status).toBe(403);
    const revoke = await h.call("DELETE", "/auth/revoke", { provider: "test", account: alice }, other);
    expect(revoke.status).toBe(403);
    const init = await h.call("POST", "/auth/init", { provider: "test", account: alice }, other);
    expect(init.status).toBe(403);
    expect(await h.store.get({ provider: "test", account: alice })).toBeDefined();

    const refused = events.filter((event) => event.type === "access_refused");
    expect(refused).toHaveLength(4);
    expect(refused.filter((event) => event.provider === "test")).toHaveLength(3); // the listing names none
    for (const event of refused) {
      expect(event).toMatchObject({ keyId: "svc-other", reason: "access_denied" });
      // Pseudonymised: the same account gives the same pseudonym, never the address.
      expect(event.account).toMatch(/^acct_/);
      expect(event.account).toBe(refused[0]?.account);
    }
    expect(JSON.stringify(events)).not.toContain(alice);
  });

  it("domain and pattern entries match case-insensitively; other accounts are refused", async () => {
    const other = keys.serviceOther;
    const domain = await h.call(
      "POST",
      "/auth/token",
      { provider: "test", account: carol.toUpperCase() },
      other,
    );
    expect(domain.status).toBe(403);
    expect(domain.json.error).toBe("authorization_required"); // allowed, just not authorized yet
    const pattern = await h.call(
      "POST",
      "/auth/token",
      { provider: "test", account: "ci-bot@example.com" },
      other,
    );
    expect(pattern.json.error).toBe("authorization_required");
    const outside = await h.call(
      "POST",
      "/auth/token",
      { provider: "test", account: "bot@example.com" },
      other,
    );
    expect(outside.json.error).toBe("access_denied");
  });

  it("a service key must name the account", async () => {
    const answer = await h.call("POST", "/auth/token", { provider: "test" }, keys.serviceA);
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe("invalid_request");
  });
});

describe("delegated keys: the account comes from the verified user token", () => {
  it("serves the caller's own token without any account parameter", async () => {
    const answer = await h.call(
      "POST",
      "/auth/token",
      { provider: "test" },
      keys.delegated,
      bearer(userToken(alice)),
    );
    expect(answer.status).toBe(200);
    expect(answer.json.account).toBe(alice);
    const stored = await h.store.get({ provider: "test", account: alice });
    expect(answer.json.accessToken).toBe(stored?.accessToken);
    const served = events.filter((event) => event.type === "token_served" && event.keyId === "mcp");
    expect(served.at(-1)?.identity).toMatch(/^acct_/);
  });

  it("another user cannot obtain it: naming the account, listing it or revoking it is refused", async () => {
    const asBob = bearer(userToken(bob));
    const token = await h.call(
      "POST",
      "/auth/token",
      { provider: "test", account: alice },
      keys.delegated,
      asBob,
    );
    expect(token.status).toBe(403);
    expect(token.json.error).toBe("account_not_allowed");
    const own = await h.call("POST", "/auth/token", { provider: "test" }, keys.delegated, asBob);
    expect(own.status).toBe(200);
    expect(own.json.account).toBe(bob);
    expect(own.json.accessToken).not.toBe(
      (await h.store.get({ provider: "test", account: alice }))?.accessToken,
    );
    const listing = await h.call("GET", `/auth/providers/${alice}`, undefined, keys.delegated, asBob);
    expect(listing.status).toBe(403);
    const mine = await h.call("GET", `/auth/providers/${bob}`, undefined, keys.delegated, asBob);
    expect(mine.status).toBe(200);
    const revoke = await h.call(
      "DELETE",
      "/auth/revoke",
      { provider: "test", account: alice },
      keys.delegated,
      asBob,
    );
    expect(revoke.status).toBe(403);
    expect(await h.store.get({ provider: "test", account: alice })).toBeDefined();
  });

  it("an identity may use its linked accounts, and only those", async () => {
    await h.signIn("team@example.com");
    const asCarol = bearer(userToken(carol));
    const team = await h.call(
      "POST",
      "/auth/token",
      { provider: "test", account: "Team@Example.com" },
      keys.delegated,
      asCarol,
    );
    expect(team.status).toBe(200);
    expect(team.json.account).toBe("team@example.com");
    const asBob = bearer(userToken(bob));
    const notBob = await h.call(
      "POST",
      "/auth/token",
      { provider: "test", account: "team@example.com" },
      keys.delegated,
      asBob,
    );
    expect(notBob.json.error).toBe("account_not_allowed");
  });

  it("no token, a forged one, another audience or email_verified:false is 401", async () => {
    const none = await h.call("POST", "/auth/token", { provider: "test" }, keys.delegated);
    expect(none.status).toBe(401);
    expect(none.json.error).toBe("subject_token_required");
    const good = userToken(alice);
    const forged = `${good.slice(0, good.lastIndexOf(".") + 1)}${"A".repeat(86)}`;
    for (const token of [
      forged,
      userToken(alice, { aud: "someone-else" }),
      userToken(alice, { email_verified: false }),
      userToken(alice, { exp: Math.floor(Date.now() / 1000) - 120 }),
    ]) {
      const answer = await h.call("POST", "/auth/token", { provider: "test" }, keys.delegated, bearer(token));
      expect(answer.status).toBe(401);
      expect(answer.json.error).toBe("invalid_subject_token");
    }
  });

  it("a service or unrestricted key ignores a bearer header: the grant decides", async () => {
    const answer = await h.call(
      "POST",
      "/auth/token",
      { provider: "test", account: bob },
      keys.serviceA,
      bearer(userToken(bob)),
    );
    expect(answer.status).toBe(403);
    expect(answer.json.error).toBe("access_denied");
  });
});

describe("RFC 8693 token exchange through oauth4webapi (genericTokenEndpointRequest, the generic grant request)", () => {
  const exchange = (subjectToken: string, key = keys.delegated, client = "mcp") => {
    const server: oauth.AuthorizationServer = { issuer: h.base, token_endpoint: `${h.base}/oauth/token` };
    return oauth.genericTokenEndpointRequest(
      server,
      { client_id: client },
      oauth.ClientSecretBasic(key),
      "urn:ietf:params:oauth:grant-type:token-exchange",
      {
        subject_token: subjectToken,
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        resource: "urn:credstack:provider:test",
        scope: "api:read",
      },
      { [oauth.allowInsecureRequests]: true },
    );
  };
  it("exchanges the user's token for their provider token", async () => {
    const response = await exchange(userToken(alice));
    const result = await oauth.processGenericTokenEndpointResponse(
      { issuer: h.base, token_endpoint: `${h.base}/oauth/token` },
      { client_id: "mcp" },
      response,
    );
    expect(result.access_token).toBe((await h.store.get({ provider: "test", account: alice }))?.accessToken);
    expect(result.issued_token_type).toBe("urn:ietf:params:oauth:token-type:access_token");
    expect(result.token_type.toLowerCase()).toBe("bearer");
  });

  it("a user without a credential gets an authorization URL; bad tokens and wrong keys are refused", async () => {
    const server = { issuer: h.base, token_endpoint: `${h.base}/oauth/token` };
    const process = async (response: Response) => {
      try {
        await oauth.processGenericTokenEndpointResponse(server, { client_id: "mcp" }, response);
        return undefined;
      } catch (error) {
        return error as oauth.ResponseBodyError;
      }
    };
    const dave = await process(await exchange(userToken("dave@example.com")));
    expect(dave?.error).toBe("authorization_required");
    expect(
      new URL(String(dave?.cause && (dave.cause as Record<string, unknown>).authorization_url)).origin,
    ).toBe(h.server.issuer);
    const unverified = await process(await exchange(userToken(alice, { email_verified: false })));
    expect(unverified?.error).toBe("invalid_grant");
    const wrongKey = await exchange(userToken(alice), "csk_wrong_key_0123456789abcdefghijklmnopqrs");
    expect(wrongKey.status).toBe(401);
  });
});
