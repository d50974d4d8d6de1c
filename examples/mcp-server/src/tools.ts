import type { Resolver } from "@credstack/core";
import { withProviderToken } from "@credstack/mcp";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type DriveToolOptions, registerDriveTool } from "./google-tools.js";

/** The downstream provider the example's tools call on behalf of the caller. */
export interface ExampleProvider {
  /** Provider slug (a key of the resolver's providers). */
  readonly slug: string;
  /** The OpenID Connect userinfo endpoint `whoami` calls with the caller's token. */
  readonly userinfoEndpoint: string;
  /** Scopes `whoami` needs. */
  readonly profileScopes: readonly string[];
  /** Additional scopes `granted_access` needs on top (an incremental authorization). */
  readonly extraScopes: readonly string[];
  /** Set for a Google provider: registers `list_drive_files` (see google-tools.ts). */
  readonly drive?: DriveToolOptions;
}

/**
 * Registers the two example tools. Neither takes a user argument: the caller is whoever the verified
 * bearer token says, and `withProviderToken` finds that caller's provider token (or answers with the
 * authorization URL).
 */
export function registerExampleTools(server: McpServer, resolver: Resolver, provider: ExampleProvider): void {
  server.registerTool(
    "whoami",
    { description: `Who you are at ${provider.slug}, read with your own ${provider.slug} token.` },
    withProviderToken(resolver, { provider: provider.slug, scopes: provider.profileScopes }, async (call) => {
      let token = call.token;
      let response = await fetchUserinfo(provider.userinfoEndpoint, token.accessToken, call.extra.signal);
      if (response.status === 401) {
        // The provider no longer accepts the token (revoked, rotated elsewhere): refresh once, retry once.
        const refreshed = await call.refresh();
        if (refreshed === undefined) throw new Error(`${provider.slug} refused the token; authorize again.`);
        token = refreshed;
        response = await fetchUserinfo(provider.userinfoEndpoint, token.accessToken, call.extra.signal);
      }
      if (!response.ok) throw new Error(`${provider.slug} userinfo answered ${response.status}.`);
      const info = (await response.json()) as { sub?: string; email?: string };
      const profile = {
        sub: String(info.sub ?? ""),
        email: String(info.email ?? ""),
        account: token.account,
      };
      return {
        content: [{ type: "text", text: `You are ${profile.email || profile.sub}.` }],
        structuredContent: profile,
      };
    }),
  );

  server.registerTool(
    "granted_access",
    { description: `What the server may do at ${provider.slug} for you (asks for more access if needed).` },
    withProviderToken(
      resolver,
      { provider: provider.slug, scopes: [...provider.profileScopes, ...provider.extraScopes] },
      ({ token }) => {
        const access = {
          account: token.account,
          scopes: [...token.scopes],
          expiresAt: token.expiresAt === undefined ? null : new Date(token.expiresAt).toISOString(),
        };
        return {
          content: [{ type: "text", text: `Granted: ${access.scopes.join(" ")}` }],
          structuredContent: access,
        };
      },
    ),
  );
  if (provider.drive !== undefined) registerDriveTool(server, resolver, provider.slug, provider.drive);
}

function fetchUserinfo(endpoint: string, accessToken: string, signal: AbortSignal): Promise<Response> {
  return fetch(endpoint, { headers: { authorization: `Bearer ${accessToken}` }, signal });
}
