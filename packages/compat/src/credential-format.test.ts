import { describe, expect, it } from "vitest";
import { detectLegacyLayout, fromLegacyCredentials, toLegacyCredentials } from "./credential-format.js";

const googleAuth = {
  token: "ya29.a",
  refresh_token: "1//r",
  token_uri: "https://oauth2.googleapis.com/token",
  client_id: "cid",
  client_secret: "csecret",
  scopes: ["openid"],
  expiry: "2030-01-02T03:04:05",
  universe_domain: "googleapis.com",
};
const authorizedUser = {
  type: "authorized_user",
  client_id: "cid",
  client_secret: "s",
  refresh_token: "1//r",
};
const fastmcp = {
  provider: "google",
  access_token: "ya29.b",
  refresh_token: null,
  token_expiry: "2030-01-02T03:04:05+02:00",
  scopes: "openid email",
  client_id: "cid",
  client_secret: null,
};
const unified = {
  format_version: "unified",
  provider: "google",
  tokens: { access: "ya29.c", refresh: "1//c", expiry: null },
  oauth_config: { client_id: "cid", client_secret: "s", scopes: ["openid"] },
  metadata: { created: "2024-01-01T00:00:00", source_format: "legacy" },
};

describe("legacy credential layouts", () => {
  it("detects unified unambiguously (the legacy code mistook it for FastMCP) and rejects mixed layouts", () => {
    expect(detectLegacyLayout(unified)).toBe("unified");
    expect(detectLegacyLayout(fastmcp)).toBe("fastmcp");
    expect(detectLegacyLayout(googleAuth)).toBe("google-auth");
    expect(detectLegacyLayout(authorizedUser)).toBe("google-auth");
    expect(() => detectLegacyLayout({ token: "a", access_token: "b" })).toThrow(/mixes/);
    expect(() => detectLegacyLayout({ format_version: "v9", token: "a" })).toThrow(/format_version/);
    expect(() => detectLegacyLayout({ hello: 1 })).toThrowError(
      expect.objectContaining({ code: "ERR_INVALID_RECORD" }),
    );
    expect(() => detectLegacyLayout([])).toThrow();
  });

  it("maps fields: naive expiry is UTC, offsets honoured, space-separated scopes split", () => {
    const a = fromLegacyCredentials(googleAuth, { account: "a@x.com" });
    expect(a).toMatchObject({
      provider: "google",
      account: "a@x.com",
      accessToken: "ya29.a",
      refreshToken: "1//r",
      clientId: "cid",
      scopes: ["openid"],
    });
    expect(a.expiresAt).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));
    expect(a.metadata).toMatchObject({ clientSecret: "csecret", tokenUri: googleAuth.token_uri });
    const b = fromLegacyCredentials(fastmcp, { account: "b@x.com" });
    expect(b.expiresAt).toBe(Date.UTC(2030, 0, 2, 1, 4, 5));
    expect(b.scopes).toEqual(["openid", "email"]);
    expect(b.refreshToken).toBeUndefined();
    const c = fromLegacyCredentials(unified, { account: "c@x.com" });
    expect(c).toMatchObject({
      accessToken: "ya29.c",
      refreshToken: "1//c",
      clientId: "cid",
      scopes: ["openid"],
    });
    expect(() => fromLegacyCredentials(googleAuth)).toThrow(/account/);
    expect(() => fromLegacyCredentials({ ...googleAuth, expiry: "tomorrow" }, { account: "a" })).toThrow(
      /expiry/,
    );
  });

  it("round-trips every layout exactly", () => {
    for (const json of [googleAuth, authorizedUser, fastmcp, unified]) {
      expect(toLegacyCredentials(fromLegacyCredentials(json, { account: "a@x.com" }))).toEqual(json);
    }
  });

  it("writes records credstack created in each layout, and updated fields in legacy spelling", () => {
    const record = {
      provider: "google",
      account: "a@x.com",
      accessToken: "t",
      refreshToken: "r",
      clientId: "c",
      scopes: ["openid"],
      expiresAt: Date.UTC(2030, 0, 1, 0, 0, 0, 250),
      metadata: { clientSecret: "s" },
    };
    expect(toLegacyCredentials(record)).toEqual({
      token: "t",
      refresh_token: "r",
      token_uri: "https://oauth2.googleapis.com/token",
      client_id: "c",
      client_secret: "s",
      scopes: ["openid"],
      expiry: "2030-01-01T00:00:00.250000",
      user_email: "a@x.com",
    });
    expect(toLegacyCredentials(record, "fastmcp")).toMatchObject({
      provider: "google",
      access_token: "t",
      token_expiry: "2030-01-01T00:00:00.250000",
    });
    expect(toLegacyCredentials(record, "unified")).toMatchObject({
      format_version: "unified",
      tokens: { access: "t", refresh: "r" },
      oauth_config: { client_id: "c", client_secret: "s" },
    });
    const imported = fromLegacyCredentials(googleAuth, { account: "a@x.com" });
    const refreshed = { ...imported, accessToken: "new", expiresAt: Date.UTC(2031, 0, 1) };
    expect(toLegacyCredentials(refreshed)).toEqual({
      ...googleAuth,
      token: "new",
      expiry: "2031-01-01T00:00:00",
    });
  });
});
