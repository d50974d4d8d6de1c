import { describe, expect, it, vi } from "vitest";
import { explainScope, resolveScopes } from "./api.js";
import { UnknownScopeError } from "./errors.js";
import { googleGroups } from "./google/groups.js";
import { googleLegacyNames, googleLegacyScopeGroupKeys } from "./google/legacy.js";
import { googleNamedScopes } from "./google/named.js";
import { createScopeRegistry, type DeprecatedNameUsage } from "./registry.js";

const auth = (name: string) => `https://www.googleapis.com/auth/${name}`;

describe("resolveScopes: accepted forms", () => {
  it("accepts full URLs, short forms, named scopes, groups and legacy names", () => {
    expect(resolveScopes([auth("drive.readonly")])).toEqual([auth("drive.readonly")]);
    expect(resolveScopes(["drive.file"])).toEqual([auth("drive.file")]);
    expect(resolveScopes(["gmail.full"])).toEqual(["https://mail.google.com/"]);
    expect(resolveScopes(["calendar.full"])).toEqual([auth("calendar")]);
    expect(resolveScopes(["drive_read"])).toEqual([auth("drive.readonly")]);
    expect(resolveScopes(["gmail_full"])).toEqual(
      ["https://mail.google.com/", "openid", auth("userinfo.email")].sort(),
    );
  });

  it("de-duplicates and returns a deterministic (sorted) order whatever the input order", () => {
    const a = resolveScopes(["gmail_basic", "drive.readonly", "gmail.modify", auth("drive.readonly")]);
    const b = resolveScopes([auth("drive.readonly"), "gmail.modify", "drive.readonly", "gmail_basic"]);
    expect(a).toEqual(b);
    expect([...a]).toEqual([...new Set(a)].sort());
  });

  it("resolves every one of the 73 named scopes of the 16 services", () => {
    const services = Object.keys(googleNamedScopes);
    expect(services).toHaveLength(16);
    const names = services.flatMap((service) =>
      Object.keys(googleNamedScopes[service as keyof typeof googleNamedScopes]).map(
        (name) => `${service}.${name}`,
      ),
    );
    expect(names).toHaveLength(73);
    for (const name of names) expect(resolveScopes([name])).toHaveLength(1);
  });

  it("`calendar_full` means full Calendar, never Drive", () => {
    const scopes = resolveScopes(["calendar_full"]);
    expect(scopes).toContain(auth("calendar"));
    expect(scopes.some((scope) => scope.includes("drive"))).toBe(false);
    const registry = createScopeRegistry();
    const legacy = registry.explain("calendar_full").interpretations.find((i) => i.kind === "legacy");
    expect(legacy?.scopes).toEqual([auth("calendar")]);
  });

  it("resolves the legacy 20-name table exactly", () => {
    expect(Object.keys(googleLegacyNames)).toHaveLength(20);
    const registry = createScopeRegistry();
    for (const [legacy, reference] of Object.entries(googleLegacyNames)) {
      const interpretation = registry.explain(legacy).interpretations.find((i) => i.kind === "legacy");
      expect(interpretation?.scopes).toEqual(registry.resolve([reference]));
    }
  });

  it("knows all 97 keys of the legacy SCOPE_GROUPS map (73 generated + 24 aliases)", () => {
    const keys = Object.keys(googleLegacyScopeGroupKeys);
    expect(keys).toHaveLength(97);
    for (const key of keys) expect(resolveScopes([key]).length).toBeGreaterThan(0);
    expect(resolveScopes(["calendar_settings_read"])).toEqual([auth("calendar.settings.readonly")]);
    expect(resolveScopes(["userinfo_email"])).toEqual([auth("userinfo.email")]);
    expect(resolveScopes(["photoslibrary_read"])).toEqual([auth("photoslibrary.readonly.appcreateddata")]);
  });
});

describe("resolveScopes: errors and deprecation", () => {
  it("rejects an unknown name with ERR_UNKNOWN_SCOPE and the closest known names", () => {
    let caught: unknown;
    try {
      resolveScopes(["drive.readonly", "calendar_ful"]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnknownScopeError);
    const error = caught as UnknownScopeError;
    expect(error.code).toBe("ERR_UNKNOWN_SCOPE");
    expect(error.scopeName).toBe("calendar_ful");
    expect(error.suggestions).toContain("calendar_full");
    expect(error.message).toContain("calendar_full");
  });

  it("never resolves by substring: names that only contain a known name are unknown", () => {
    for (const name of [
      "full",
      "calendar_fulll",
      "drive",
      "read",
      "xdrive.readonly",
      "https://example.com/x",
    ]) {
      if (name === "drive") continue; // `drive` is the short form of the full Drive scope
      expect(() => resolveScopes([name])).toThrow(UnknownScopeError);
    }
  });

  it("clips hostile names in the message", () => {
    const long = "x".repeat(10_000);
    try {
      resolveScopes([long]);
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(400);
    }
  });

  it("reports every legacy name used to the deprecation callback, and nothing else", () => {
    const onDeprecated = vi.fn<(usage: DeprecatedNameUsage) => void>();
    resolveScopes(["drive_read", "gmail.send", "gmail_basic", "sheets_write", auth("tasks")], {
      onDeprecated,
    });
    expect(onDeprecated.mock.calls.map(([usage]) => [usage.name, usage.replacement])).toEqual([
      ["drive_read", "drive.readonly"],
      ["sheets_write", "sheets.full"],
    ]);
    onDeprecated.mockClear();
    resolveScopes(["docs_read"], { onDeprecated });
    expect(onDeprecated).toHaveBeenCalledWith({
      name: "docs_read",
      replacement: "docs.readonly",
      scopes: [auth("documents.readonly")],
    });
  });
});

describe("groups", () => {
  it("ships the legacy groups; oauth_comprehensive is exactly the legacy release's 18 scopes", () => {
    for (const name of [
      "base",
      "drive_basic",
      "gmail_basic",
      "office_suite",
      "communication_suite",
      "admin_suite",
    ]) {
      expect(name in googleGroups).toBe(true);
    }
    const comprehensive = resolveScopes(["oauth_comprehensive"]);
    const g = "https://www.googleapis.com/auth/";
    expect([...comprehensive].sort()).toEqual(
      [
        `${g}userinfo.email`,
        `${g}userinfo.profile`,
        "openid",
        `${g}drive`,
        `${g}documents`,
        `${g}gmail.modify`,
        `${g}gmail.settings.basic`,
        `${g}gmail.settings.sharing`,
        `${g}chat.messages`,
        `${g}chat.spaces`,
        `${g}chat.memberships`,
        `${g}spreadsheets`,
        `${g}forms.body`,
        `${g}forms.responses.readonly`,
        `${g}presentations`,
        `${g}calendar`,
        `${g}contacts`,
        `${g}directory.readonly`,
      ].sort(),
    );
    // The pre-2.8 legacy group stays reachable, only by its versioned name.
    const older = resolveScopes(["oauth_comprehensive_v2_7"]);
    expect(older).toHaveLength(35);
    expect(older).toContain(`${g}tasks`);
  });

  it("accepts caller-defined groups that nest built-in and other caller groups", () => {
    const registry = createScopeRegistry({
      groups: { reporting: ["sheets.readonly", "drive_read"], reporting_plus: ["reporting", "gmail_basic"] },
    });
    expect(registry.resolve(["reporting"])).toEqual([auth("drive.readonly"), auth("spreadsheets.readonly")]);
    expect(registry.resolve(["reporting_plus"])).toEqual(
      [...new Set([...registry.resolve(["reporting"]), ...registry.resolve(["gmail_basic"])])].sort(),
    );
    expect(registry.explain("reporting").interpretations[0]?.userDefined).toBe(true);
  });

  it("rejects cycles, unknown members and names that shadow known names", () => {
    expect(() => createScopeRegistry({ groups: { a: ["b"], b: ["a"] } })).toThrow(/includes itself/);
    expect(() => createScopeRegistry({ groups: { a: ["drive.nope"] } })).toThrow(/unknown member/);
    expect(() => createScopeRegistry({ groups: { gmail_basic: ["drive.file"] } })).toThrow(/already/);
    expect(() => createScopeRegistry({ groups: { drive_read: ["drive.file"] } })).toThrow(/already/);
    expect(() => createScopeRegistry({ groups: { "../x": ["drive.file"] } })).toThrow(/Invalid group name/);
  });
});

describe("explainScope", () => {
  it("shows every interpretation with the effective one first", () => {
    const explanation = explainScope("drive_full");
    expect(explanation.interpretations.map((i) => [i.kind, i.effective])).toEqual([
      ["group", true],
      ["legacy", false],
    ]);
    expect(explanation.scopes.map((info) => info.scope)).toEqual(resolveScopes(["drive_full"]));
  });

  it("describes a named scope with its catalogue entry", () => {
    const [info] = explainScope("drive.readonly").scopes;
    expect(info?.scope).toBe(auth("drive.readonly"));
    expect(info?.description.length).toBeGreaterThan(5);
    expect(info?.apis.some((api) => api.startsWith("drive:"))).toBe(true);
    expect(info?.groups).toEqual(["oauth_comprehensive_v2_7"]); // only the historic, versioned group
  });
});
