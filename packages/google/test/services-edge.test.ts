import type { ResolveInput, Resolver } from "@credstack/core";
import { drive } from "@googleapis/drive";
import { describe, expect, it } from "vitest";
import { authorizedFetch } from "../src/fetch.js";
import { CallerUnauthorizedError, createGoogleServices, googleService } from "../src/index.js";
import { withGoogleService } from "../src/mcp.js";
import { googleScope, user, useStack } from "./helpers/setup.js";

const stack = useStack();

const driveRead = googleService("drive", "v3", { scopes: ["drive_read"] });

/** The stack's resolver, counting calls (and optionally rewriting answers). */
function counting(rewrite?: (input: ResolveInput, count: number) => ResolveInput) {
  let count = 0;
  const resolver: Resolver = {
    resolve: (input) => {
      count++;
      return stack.resolver.resolve(rewrite ? rewrite(input, count) : input);
    },
    close: async () => {},
  };
  return { resolver, calls: () => count };
}

describe("tool calls resolve once per API request", () => {
  it("the token resolve() returned for the call serves the first request; later requests resolve", async () => {
    const alice = user("alice");
    await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const { resolver, calls } = counting();
    const google = createGoogleServices({
      resolver,
      apis: { drive },
      clientOptions: { rootUrl: stack.api.googleRootUrl },
    });
    const extra = { authInfo: { token: stack.jwtFor(alice), clientId: "t", scopes: [] } } as never;
    const requests = (count: number) =>
      withGoogleService(google, driveRead, async ({ service }) => {
        for (let i = 0; i < count; i++) await service.files.list();
        return { content: [] };
      });
    await requests(1)(extra);
    expect(calls()).toBe(1);
    await requests(3)(extra);
    expect(calls()).toBe(1 + 3);
    // Outside a tool call (services.get), the request resolves on its own.
    const client = await google.get({ request: stack.requestOf(alice) }, driveRead);
    await client.files.list();
    expect(calls()).toBe(4 + 2);
  });
});

describe("refusals and bad options", () => {
  it("a cached client refuses a resolver answer for another caller (caller_changed) and is dropped", async () => {
    const alice = user("alice");
    const bob = user("bob");
    await stack.seed("google", alice, [googleScope("drive.readonly")]);
    await stack.seed("google", bob, [googleScope("drive.readonly")]);
    const bobRequest = stack.requestOf(bob);
    // From the second resolve on, a broken resolver answers with Bob's identity.
    const { resolver } = counting((input, count) =>
      count >= 2 ? { ...input, request: bobRequest, account: bob } : input,
    );
    const google = createGoogleServices({
      resolver,
      apis: { drive },
      clientOptions: { rootUrl: stack.api.googleRootUrl },
    });
    const client = await google.get({ request: stack.requestOf(alice) }, driveRead);
    const before = stack.api.calls.api;
    const error = await client.files.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CallerUnauthorizedError);
    expect(error).toMatchObject({ reason: "caller_changed", code: "ERR_INVALID_TOKEN" });
    expect(stack.api.calls.api).toBe(before);
    expect(google.size).toBe(0);
  });

  it("a 403 from the provider is returned as is: no refresh, no retry", async () => {
    const alice = user("alice");
    // The stored credential claims drive.readonly, but Google granted only drive.file (granular consent).
    const tokens = stack.api.grant(alice, [googleScope("drive.file")]);
    await stack.store.put(
      {
        provider: "google",
        account: alice,
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        expiresAt: stack.now + 3600_000,
        scopes: [googleScope("drive.readonly")],
      },
      { expectedVersion: 0 },
    );
    const google = createGoogleServices({
      resolver: stack.resolver,
      apis: { drive },
      clientOptions: { rootUrl: stack.api.googleRootUrl },
    });
    const client = await google.get({ request: stack.requestOf(alice) }, driveRead);
    const redemptions = stack.api.calls.redemptions;
    const error = await client.files.list().catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(403);
    expect(JSON.stringify((error as { response?: { data?: unknown } }).response?.data)).toContain(
      "insufficientPermissions",
    );
    expect(stack.api.calls.redemptions).toBe(redemptions);
    expect(stack.api.log.filter((entry) => entry.account === alice).map((entry) => entry.status)).toEqual([
      403,
    ]);
  });

  it("bad options are typed errors", async () => {
    expect(() => createGoogleServices({ resolver: {} as Resolver, apis: { drive } })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
    expect(() => createGoogleServices({ resolver: stack.resolver, apis: { drive }, maxEntries: 0 })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
    const google = createGoogleServices({ resolver: stack.resolver, apis: { drive } });
    for (const service of ["gmail", "constructor", "__proto__"]) {
      await expect(
        google.get(
          { request: stack.requestOf("a@example.com") },
          googleService(service as "drive", "v1", { scopes: ["drive_read"] }),
        ),
      ).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
    }
    expect(() => authorizedFetch({ resolver: stack.resolver, provider: "", scopes: [] })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
    expect(() => withGoogleService(google, driveRead, undefined as never)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
  });
});
