import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  type ProviderConfig,
} from "@credstack/core";
import { googleGroups, resolveScopes } from "@credstack/scopes";
import { memoryStore } from "@credstack/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLegacy, legacySafeName } from "../src/index.js";

// A token endpoint that must never be called: a covered request needs neither refresh nor consent.
let tokenServer: Server;
let tokenCalls = 0;
let tokenEndpoint: string;
let dir: string;
beforeAll(async () => {
  tokenServer = createServer((_req, res) => {
    tokenCalls++;
    res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_grant"}');
  });
  await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
  tokenEndpoint = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  dir = mkdtempSync(join(tmpdir(), "credstack-legacy-groups-"));
});
afterAll(async () => {
  await new Promise((resolve) => tokenServer.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const provider = (): ProviderConfig => ({
  issuer: "https://accounts.google.com",
  authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
  token_endpoint: tokenEndpoint,
  clientId: "client-123.apps.googleusercontent.com",
  clientSecret: "client-secret",
  redirectUri: "http://localhost:8002/oauth2callback",
  scopes: "google",
  allowInsecureRequests: true,
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
    const providers = { google: provider() };
    const refresher = createRefresher({ store, providers });
    const authorizer = createAuthorizer({ store, providers, refresher });
    const resolver = createResolver({
      chain: defaultChain({ refresher, authorizer }),
      providers,
      trustAccountArgument: true,
    });
    const before = tokenCalls;
    const accounts = [own, ...(coveredByWorkspaceGrant.includes(group) ? ["workspace@example.com"] : [])];
    for (const account of accounts) {
      const result = await resolver.resolve({ provider: "google", account, scopes: [group] });
      expect(result.kind, `${group} for ${account}`).toBe("token");
      if (result.kind === "token") expect(result.accessToken).toBe(`ya29.access-${account}`);
    }
    expect(tokenCalls - before).toBe(0);
    await refresher.close();
  });
});
