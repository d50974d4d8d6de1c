import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { googleImplications } from "../google/implications.js";
import { googleNamedScopes } from "../google/named.js";
import { providers } from "../providers/index.js";
import { googleCatalog } from "./google.generated.js";

const auth = (name: string) => `https://www.googleapis.com/auth/${name}`;

describe.each(Object.values(providers))("$id catalogue", (provider) => {
  it("is sorted, unique and fully described", () => {
    const scopes = provider.catalog.map((entry) => entry.scope);
    expect(scopes).toEqual([...new Set(scopes)].sort());
    for (const entry of provider.catalog) {
      expect(entry.description, entry.scope).not.toBe("");
      expect(entry.apis.length, entry.scope).toBeGreaterThan(0);
    }
  });

  it("has implication rules only between catalogue scopes, each with a source", () => {
    const known = new Set(provider.catalog.map((entry) => entry.scope));
    for (const rule of provider.implications) {
      expect(known.has(rule.broader), rule.broader).toBe(true);
      for (const narrower of rule.narrower) expect(known.has(narrower), narrower).toBe(true);
      expect(rule.source).toMatch(/^https:\/\//);
    }
  });
});

describe("Google catalogue", () => {
  it("is the complete generated set: several hundred scopes from several hundred pinned API versions", () => {
    expect(googleCatalog.length).toBeGreaterThanOrEqual(400);
    const pins = JSON.parse(
      readFileSync(new URL("../../scripts/google-sources.json", import.meta.url), "utf8"),
    );
    expect(Object.keys(pins.packages).length).toBeGreaterThanOrEqual(450);
    const first = readFileSync(new URL("./google.generated.ts", import.meta.url), "utf8").split("\n")[0];
    expect(first).toMatch(/^\/\/ GENERATED FILE/);
  });

  it("includes the scopes the legacy system used, with descriptions and APIs", () => {
    const byScope = new Map(providers.google.catalog.map((entry) => [entry.scope, entry]));
    for (const name of [
      "drive",
      "drive.readonly",
      "drive.file",
      "gmail.modify",
      "calendar",
      "calendar.events",
      "photoslibrary.appendonly",
      "chat.bot",
      "admin.directory.user",
      "cloud-platform",
      "contacts",
      "directory.readonly",
      "forms.responses.readonly",
      "tasks",
      "youtube.upload",
      "script.projects",
    ]) {
      expect(byScope.get(auth(name))?.description, name).toBeTruthy();
    }
    expect(byScope.get("https://mail.google.com/")?.apis).toContain("gmail:v1");
    expect(byScope.get(auth("drive.readonly"))?.apis).toContain("drive:v3");
  });

  it("has every named scope, except two legacy ones Google does not publish", () => {
    const known = new Set(providers.google.catalog.map((entry) => entry.scope));
    const unpublished = Object.values(googleNamedScopes)
      .flatMap((names) => Object.values(names))
      .filter((scope) => !known.has(scope));
    expect(unpublished.sort()).toEqual([auth("cloudfunctions"), auth("iam")]);
  });

  it("covers every implication rule's scopes", () => {
    const known = new Set(providers.google.catalog.map((entry) => entry.scope));
    for (const rule of googleImplications)
      for (const scope of [rule.broader, ...rule.narrower]) expect(known).toContain(scope);
  });
});
