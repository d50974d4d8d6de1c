import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { covers, defaultScopeRegistry, minimize, missingScopes, validateCombination } from "./api.js";
import { googleImplications } from "./google/implications.js";

const auth = (name: string) => `https://www.googleapis.com/auth/${name}`;

describe("covers", () => {
  it("applies the documented rules", () => {
    expect(
      covers([auth("drive")], [auth("drive.file"), auth("drive.readonly"), auth("drive.metadata.readonly")]),
    ).toBe(true);
    expect(covers(["https://mail.google.com/"], [auth("gmail.readonly"), auth("gmail.send")])).toBe(true);
    expect(covers([auth("gmail.modify")], [auth("gmail.readonly")])).toBe(true);
    expect(covers([auth("calendar")], [auth("calendar.readonly"), auth("calendar.events")])).toBe(true);
    expect(covers([auth("drive.readonly")], [auth("drive")])).toBe(false);
    expect(covers([auth("gmail.readonly")], [auth("gmail.send")])).toBe(false);
    expect(covers([auth("drive")], [auth("documents")])).toBe(false);
  });

  it("accepts a Set for the granted side", () => {
    expect(covers(new Set([auth("gmail.modify")]), [auth("gmail.metadata")])).toBe(true);
  });

  it("treats unknown strings as opaque (they cover only themselves)", () => {
    expect(covers(["custom:x"], ["custom:x"])).toBe(true);
    expect(covers(["custom:x"], [auth("drive")])).toBe(false);
  });

  it("cites a source URL for every rule", () => {
    for (const rule of googleImplications) expect(rule.source).toMatch(/^https:\/\//);
    expect(defaultScopeRegistry().ruleFor(auth("gmail.modify"), auth("gmail.readonly"))?.source).toMatch(
      /gmail/,
    );
  });
});

describe("missingScopes", () => {
  it("returns the minimal set to request incrementally", () => {
    const granted = [auth("drive.readonly"), "openid"];
    const required = [
      auth("drive.readonly"),
      auth("drive.metadata.readonly"),
      auth("drive"),
      auth("gmail.send"),
    ];
    expect(missingScopes(granted, required)).toEqual([auth("drive"), auth("gmail.send")]);
    expect(missingScopes([auth("drive")], [auth("drive.file")])).toEqual([]);
  });
});

describe("minimize", () => {
  it("drops scopes covered by a broader scope of the same set", () => {
    expect(minimize([auth("drive.readonly"), auth("drive"), auth("drive.file"), auth("gmail.send")])).toEqual(
      [auth("drive"), auth("gmail.send")],
    );
  });

  it("keeps exactly one of two equivalent scopes", () => {
    expect(minimize(["email", auth("userinfo.email")])).toEqual(["email"]);
  });
});

// Property tests over the real rule table: scopes drawn from every scope the rules mention.
const ruleScopes = [...new Set(googleImplications.flatMap((rule) => [rule.broader, ...rule.narrower]))];
const anyScope = fc.constantFrom(...ruleScopes, auth("tasks"), "openid", "custom:opaque");
const scopeSet = fc.uniqueArray(anyScope, { maxLength: 12 });

describe("properties", () => {
  it("covers is reflexive", () => {
    fc.assert(fc.property(scopeSet, (set) => covers(set, set)));
  });

  it("covers is transitive", () => {
    fc.assert(
      fc.property(scopeSet, scopeSet, scopeSet, (a, b, c) => {
        if (covers(a, b) && covers(b, c)) expect(covers(a, c)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("minimize is idempotent and keeps coverage both ways", () => {
    fc.assert(
      fc.property(scopeSet, (set) => {
        const minimal = minimize(set);
        expect(minimize(minimal)).toEqual(minimal);
        expect(covers(minimal, set)).toBe(true);
        expect(covers(set, minimal)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("missingScopes is exactly what granted lacks", () => {
    fc.assert(
      fc.property(scopeSet, scopeSet, (granted, required) => {
        const missing = missingScopes(granted, required);
        expect(covers([...granted, ...missing], required)).toBe(true);
        for (const scope of missing) expect(covers(granted, [scope])).toBe(false);
      }),
    );
  });
});

describe("validateCombination", () => {
  it("reports Photos mixed with other APIs as a separate flow", () => {
    const report = validateCombination([auth("drive"), "openid", auth("photoslibrary.appendonly")]);
    expect(report.ok).toBe(false);
    expect(report.separateFlows).toEqual([
      { flow: "photos", scopes: [auth("photoslibrary.appendonly"), "openid"] },
    ]);
    expect(report.requests).toEqual([
      [auth("drive"), "openid"],
      [auth("photoslibrary.appendonly"), "openid"],
    ]);
  });

  it("accepts Photos alone with identity scopes", () => {
    const report = validateCombination([auth("userinfo.email"), "openid", auth("photoslibrary.appendonly")]);
    expect(report.ok).toBe(true);
    expect(report.separateFlows).toEqual([]);
  });

  it("flags retired Photos Library scopes", () => {
    const report = validateCombination([auth("photoslibrary.readonly"), auth("photoslibrary.sharing")]);
    expect(report.ok).toBe(false);
    expect(report.retired).toEqual([auth("photoslibrary.readonly"), auth("photoslibrary.sharing")]);
  });
});
