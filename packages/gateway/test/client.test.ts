import { authorizationRequiredToolResult } from "@credstack/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthorizationRequiredError, createGatewayClient, GatewayRequestError } from "../src/client.js";
import { alice, type Harness, type Json, keyA, startHarness } from "./helpers/setup.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("client library: getToken / requireAuth", () => {
  it("getToken throws AuthorizationRequiredError with the URL and session, then returns the token", async () => {
    const client = createGatewayClient({ url: h.base, apiKey: keyA });
    const error = await client.getToken({ provider: "test", account: alice }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationRequiredError);
    const required = error as AuthorizationRequiredError;
    expect(required.url).toContain(`${h.server.issuer}/auth?`);
    // The user completes it; the client waits for the session.
    const callback = await h.server.authorize(required.url);
    const [status] = await Promise.all([
      client.waitForAuthorization(required.sessionId, { intervalMs: 50, timeoutMs: 10_000 }),
      fetch(callback),
    ]);
    expect(status.status).toBe("completed");
    const token = await client.getToken({ provider: "test", account: alice });
    expect(token.accessToken).toBe((await h.store.get({ provider: "test", account: alice }))?.accessToken);
  });

  it("requireAuth runs the handler with a token, or answers an MCP authorization-required result", async () => {
    const client = createGatewayClient({ url: h.base, apiKey: keyA });
    const seen: string[] = [];
    const tool = client.requireAuth(
      { provider: "test", account: (args: { user: string }) => args.user },
      async (token, args) => {
        seen.push(token.accessToken);
        return { content: [{ type: "text", text: `hello ${args.user}` }] };
      },
    );
    const ok = await tool({ user: alice });
    expect(ok).toEqual({ content: [{ type: "text", text: `hello ${alice}` }] });
    expect(seen).toHaveLength(1);

    const missing = (await tool({ user: "carol@example.com" })) as Json;
    expect(seen).toHaveLength(1); // the handler did not run
    expect(missing.isError).toBe(true);
    expect(missing.content[0].text).toContain(`${h.server.issuer}/auth?`);
    // The shared "authorization required" shape (@credstack/core; the same as @credstack/mcp's).
    const details = missing.structuredContent;
    expect(Object.keys(details).sort()).toEqual([
      "authorizationUrl",
      "error",
      "expiresAt",
      "flows",
      "missingScopes",
      "provider",
      "sessionId",
    ]);
    expect(details).toMatchObject({ error: "authorization_required", provider: "test" });
    expect(details.sessionId).toMatch(/^[0-9a-f]{32}$/);
    expect(details.flows[0]).toEqual({
      flow: "main",
      url: details.authorizationUrl,
      scopes: expect.any(Array),
    });
    expect(missing).toEqual(
      authorizationRequiredToolResult("test", {
        url: details.authorizationUrl,
        missingScopes: details.missingScopes,
        flows: details.flows,
        sessionId: details.sessionId,
        expiresAt: details.expiresAt,
      }),
    );
    expect(missing._meta).toBeUndefined();
  });

  it("a wrong API key is a GatewayRequestError (401, ERR_UNAUTHORIZED); an unreachable gateway status 0", async () => {
    const wrong = createGatewayClient({ url: h.base, apiKey: "csk_wrong" });
    await expect(wrong.getToken({ provider: "test", account: alice })).rejects.toMatchObject({
      status: 401,
      error: "invalid_api_key",
      code: "ERR_UNAUTHORIZED",
    });
    const down = createGatewayClient({ url: "http://127.0.0.1:9", apiKey: "k", timeoutMs: 500 });
    const error = await down.getToken({ provider: "test", account: alice }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayRequestError);
    expect((error as GatewayRequestError).status).toBe(0);
  });

  it("a gateway answer's code says what happened (one mapping from HTTP status)", () => {
    const codeOf = (status: number, error: string) => new GatewayRequestError(status, error, "m").code;
    expect(codeOf(401, "invalid_api_key")).toBe("ERR_UNAUTHORIZED");
    expect(codeOf(403, "access_denied")).toBe("ERR_UNAUTHORIZED");
    expect(codeOf(429, "rate_limited")).toBe("ERR_RATE_LIMITED");
    expect(codeOf(503, "refresh_failed")).toBe("ERR_REFRESH_FAILED");
    expect(codeOf(503, "store_unavailable")).toBe("ERR_STORE_UNAVAILABLE");
    expect(codeOf(0, "unreachable")).toBe("ERR_STORE_UNAVAILABLE");
    expect(codeOf(400, "invalid_request")).toBe("ERR_INVALID_ARGUMENT");
  });

  it("revoke goes through the gateway", async () => {
    const client = createGatewayClient({ url: h.base, apiKey: keyA });
    expect(await client.revoke({ provider: "test", account: alice })).toEqual({
      deleted: true,
      providerRevocation: "revoked",
    });
  });
});
