import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { googleGroups, resolveScopes } from "@credstack/scopes";
import { memoryStore } from "@credstack/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLegacy, legacySafeName } from "../src/index.js";
import { legacyGoogle, resolverOver, startForbiddenTokenEndpoint } from "./no-consent-resolver.js";

let tokenEndpoint: Awaited<ReturnType<typeof startForbiddenTokenEndpoint>>;
let dir: string;
beforeAll(async () => {
  tokenEndpoint = await startForbiddenTokenEndpoint();
  dir = mkdtempSync(join(tmpdir(), "credstack-legacy-groups-"));
});
afterAll(async () => {
  await tokenEndpoint.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the plaintext file the legacy server's current release writes for `email` with `scopes`. */
function legacyFile(email: string, scopes: readonly string[]): void {
  const expiry = new Date(Date.now() + 3_600_000).toISOString().replace("Z", "");
  writeFileSync(
    join(dir, `${legacySafeName(email)}_credentials.json`),
    JSON.stringify({
      token: `ya29.access-${email}`,
      refresh_token: "1//refresh",
      token_uri: "https://oauth2.googleapis.com/token",
      client_id: "client-123.apps.googleusercontent.com",
      client_secret: "client-secret",
      scopes,
      expiry,
      saved_at: expiry,
      user_email: email,
      token_group: "workspace",
    }),
  );
}

const groups = Object.keys(googleGroups) as (keyof typeof googleGroups)[];
// What the legacy release's combined Workspace flow granted (its oauth_comprehensive), as stored in its files.
const g = "https://www.googleapis.com/auth/";
const workspaceGrant = [
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
];
const coveredByWorkspaceGrant = groups.filter((group) =>
  resolveScopes([group]).every((scope) => workspaceGrant.includes(scope)),
);

describe("after import, every legacy group a user's legacy grant covers resolves without re-authorization", () => {
  it("the legacy oauth_comprehensive grant covers the Workspace groups, oauth_comprehensive included", () => {
    expect(workspaceGrant).toHaveLength(18);
    expect(coveredByWorkspaceGrant).toEqual(
      expect.arrayContaining([
        "base",
        "drive_basic",
        "gmail_basic",
        "calendar_full",
        "docs_basic",
        "sheets_basic",
        "chat_basic",
        "forms_basic",
        "slides_basic",
        "people_basic",
        "office_suite",
        "communication_suite",
        "oauth_comprehensive",
      ]),
    );
  });

  it.each(groups)("%s", async (group) => {
    const own = `own-${group.replaceAll("_", "-")}@example.com`;
    legacyFile(own, resolveScopes([group]));
    legacyFile("workspace@example.com", workspaceGrant);
    const store = memoryStore();
    const report = await importLegacy({ dir, to: store });
    expect(report.failed + report.ambiguous, JSON.stringify(report.files)).toBe(0);
    const { resolver, refresher } = resolverOver(store, { google: legacyGoogle(tokenEndpoint.url) });
    const before = tokenEndpoint.calls();
    const accounts = [own, ...(coveredByWorkspaceGrant.includes(group) ? ["workspace@example.com"] : [])];
    for (const account of accounts) {
      const result = await resolver.resolve({ provider: "google", account, scopes: [group] });
      expect(result.kind, `${group} for ${account}`).toBe("token");
      if (result.kind === "token") expect(result.accessToken).toBe(`ya29.access-${account}`);
    }
    expect(tokenEndpoint.calls() - before).toBe(0);
    await refresher.close();
  });
});
