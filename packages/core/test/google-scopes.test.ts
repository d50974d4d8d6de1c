import { resolveScopes, scope } from "@credstack/scopes";
import { memoryStore } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import {
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  type ProviderConfig,
} from "../src/index.js";

const google: ProviderConfig = {
  issuer: "https://accounts.google.com",
  authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
  token_endpoint: "https://oauth2.googleapis.com/token",
  clientId: "client.apps.googleusercontent.com",
  clientSecret: "google-secret",
  redirectUri: "http://127.0.0.1:9/callback",
};

function googleResolver() {
  const store = memoryStore();
  const providers = { google };
  const refresher = createRefresher({ store, providers });
  const authorizer = createAuthorizer({ store, providers, refresher });
  const resolver = createResolver({
    chain: defaultChain({ refresher, authorizer }),
    providers,
    trustAccountArgument: true,
  });
  return { store, resolver };
}

describe("Google incremental authorization", () => {
  it("asks only for the minimal missing scopes, with include_granted_scopes and access_type=offline", async () => {
    const { store, resolver } = googleResolver();
    await store.put(
      {
        provider: "google",
        account: "a@x.com",
        accessToken: "g-token",
        refreshToken: "g-refresh",
        expiresAt: Date.now() + 3_600_000,
        scopes: [scope("drive.readonly"), "openid"],
      },
      { expectedVersion: 0 },
    );
    // Covered through implication: no authorization.
    expect(
      await resolver.resolve({ provider: "google", account: "a@x.com", scopes: ["drive.readonly"] }),
    ).toMatchObject({ kind: "token" });
    const result = await resolver.resolve({
      provider: "google",
      account: "a@x.com",
      scopes: ["drive.readonly", "gmail.send", "gmail.compose"],
    });
    if (result.kind !== "authorization_required") throw new Error(result.kind);
    const params = new URL(result.url).searchParams;
    expect(params.get("include_granted_scopes")).toBe("true");
    expect(params.get("access_type")).toBe("offline");
    expect(params.get("scope")).toBe(scope("gmail.compose")); // compose covers send; drive.readonly is held
    expect(result.missingScopes).toEqual([scope("gmail.compose")]);
    expect(result.reasons.join("\n")).toMatch(/lacks requested scopes/);
  });

  it("gives Photos its own flow and URL", async () => {
    const { resolver } = googleResolver();
    const photos = resolveScopes(["photos.appendonly"]);
    const result = await resolver.resolve({
      provider: "google",
      account: "a@x.com",
      scopes: ["drive.readonly", ...photos],
    });
    if (result.kind !== "authorization_required") throw new Error(result.kind);
    expect(result.flows).toHaveLength(2);
    expect(result.flows[0]).toMatchObject({ flow: "main", scopes: [scope("drive.readonly")] });
    expect(result.flows[1]?.flow).toBe("photos");
    expect(new URL(result.flows[1]?.url as string).searchParams.get("scope")).toBe(photos.join(" "));
    expect(result.flows[0]?.transactionId).not.toBe(result.flows[1]?.transactionId);
    expect(result.url).toBe(result.flows[0]?.url);
  });
});
