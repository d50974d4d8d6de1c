import { googleGroups, googleLegacyAliases, resolveScopes, scope } from "@credstack/scopes";
import { describe, expect, it } from "vitest";
import {
  LIVE_SERVICE_DEFAULTS,
  legacyChatAppScopes,
  legacyDcrScopeDefaults,
  legacyDriveScopes,
  resolveLegacyScope,
  SCOPE_GROUPS,
  SERVICE_DEFAULTS,
} from "./legacy-scopes.js";

describe("legacy scope shapes", () => {
  it("SCOPE_GROUPS is the flat 97-key map (73 generated + 24 aliases) of URLs", () => {
    expect(Object.keys(SCOPE_GROUPS)).toHaveLength(97);
    expect(Object.keys(googleLegacyAliases)).toHaveLength(24);
    expect(SCOPE_GROUPS.drive_readonly).toBe(scope("drive.readonly"));
    expect(SCOPE_GROUPS.drive_read).toBe(scope("drive.readonly"));
    expect(SCOPE_GROUPS.userinfo_email).toBe(scope("base.userinfo_email"));
    for (const url of Object.values(SCOPE_GROUPS)) expect(url).toMatch(/^(https:\/\/|openid$)/);
  });

  it("resolve_legacy_scope is exact: calendar_full is Calendar, unknown names are errors", () => {
    expect(resolveLegacyScope("drive_full")).toBe(scope("drive.full"));
    expect(resolveLegacyScope("calendar_full")).toBe(scope("calendar.full"));
    expect(resolveLegacyScope("photos_read")).toBe(scope("photos.readonly_appcreated"));
    expect(resolveLegacyScope(scope("gmail.send"))).toBe(scope("gmail.send"));
    expect(() => resolveLegacyScope("calendar_ful")).toThrowError(
      expect.objectContaining({ code: "ERR_UNKNOWN_SCOPE" }),
    );
    expect(() => resolveLegacyScope("https://www.googleapis.com/auth/made.up")).toThrow();
  });

  it("SERVICE_DEFAULTS keeps the legacy shape; every name resolves; the live shape holds URLs", () => {
    expect(Object.keys(SERVICE_DEFAULTS)).toHaveLength(11);
    expect(SERVICE_DEFAULTS.drive).toEqual({
      default_scopes: ["drive_file", "drive_read"],
      version: "v3",
      description: "Google Drive service",
    });
    for (const [service, entry] of Object.entries(SERVICE_DEFAULTS)) {
      expect(LIVE_SERVICE_DEFAULTS[service]?.default_scopes).toEqual(resolveScopes(entry.default_scopes));
    }
    expect(LIVE_SERVICE_DEFAULTS.drive?.default_scopes).toEqual(
      resolveScopes([scope("drive.file"), scope("drive.readonly")]),
    );
    expect(Object.isFrozen(SERVICE_DEFAULTS.drive)).toBe(true);
  });

  it("drive, DCR and chat-app helpers", () => {
    expect(legacyDriveScopes()).toEqual(resolveScopes(["oauth_comprehensive"]));
    expect(legacyDriveScopes()).toHaveLength(googleGroups.oauth_comprehensive.length);
    expect(legacyDcrScopeDefaults().split(" ")).toEqual([
      "openid",
      scope("base.userinfo_email"),
      scope("base.userinfo_profile"),
      scope("drive.full"),
      scope("gmail.modify"),
      scope("gmail.settings_basic"),
      scope("gmail.settings_sharing"),
    ]);
    expect(legacyChatAppScopes()).toEqual([
      scope("chat.bot"),
      scope("chat.messages"),
      scope("chat.spaces"),
      scope("cloud.platform"),
    ]);
  });
});
