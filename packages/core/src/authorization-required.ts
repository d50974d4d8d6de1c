/**
 * The one "authorization required" answer of credstack's MCP helpers (`@credstack/mcp`'s
 * `withProviderToken`, `@credstack/google/mcp`'s tools) and of `@credstack/gateway/client`'s
 * `requireAuth`: an MCP tool result, defined here as plain data so none of them depends on another
 * (docs/mcp.md, "The authorization-required result").
 */
import type { AuthorizationFlow } from "./types.js";

/**
 * One authorization the user must complete (more than one for separate-flow scopes such as Google
 * Photos): an {@link AuthorizationFlow} without its `transactionId` (the URL's `state` carries it).
 */
export type AuthorizationRequiredFlow = Pick<AuthorizationFlow, "flow" | "url" | "scopes">;

/** The `structuredContent` of an "authorization required" tool result. */
export interface AuthorizationRequiredContent {
  readonly error: "authorization_required";
  /** The provider to authorize. */
  readonly provider: string;
  /** The URL the user must open (the first flow's). */
  readonly authorizationUrl: string;
  /** The scopes the credential lacks. */
  readonly missingScopes: readonly string[];
  /** Every flow to complete, the first one at `authorizationUrl`. */
  readonly flows: readonly AuthorizationRequiredFlow[];
  /** The gateway's authorization session, to poll (`GET /auth/status/{sessionId}`); gateway only. */
  readonly sessionId?: string;
  /** When the authorization URL stops working (epoch ms), when known. */
  readonly expiresAt?: number;
  [field: string]: unknown;
}

/** An MCP tool result (`CallToolResult`-compatible) telling the client the user must authorize. */
export interface AuthorizationRequiredToolResult {
  readonly isError: true;
  /** One text naming the URL and the missing scopes, for models and plain clients. */
  content: Array<{ type: "text"; text: string }>;
  /** The machine-readable details, for clients that open the URL themselves. */
  structuredContent: AuthorizationRequiredContent;
  [field: string]: unknown;
}

/** What {@link authorizationRequiredToolResult} needs. */
export interface AuthorizationRequiredDetails {
  /** The URL the user opens (the first flow's). */
  readonly url: string;
  /** The scopes the credential lacks. */
  readonly missingScopes: readonly string[];
  /** Every flow (extra fields such as `transactionId` are left out). @default one `main` flow at `url` */
  readonly flows?: readonly AuthorizationRequiredFlow[];
  /** The gateway's authorization session id. */
  readonly sessionId?: string;
  /** When the URL stops working (epoch ms). */
  readonly expiresAt?: number;
}

/**
 * Builds the "authorization required" MCP tool result: `isError: true`, a text content naming the URL
 * and the missing scopes, and `structuredContent` {@link AuthorizationRequiredContent}. Nothing secret
 * is in it: the URL carries only the PKCE challenge and the state.
 */
export function authorizationRequiredToolResult(
  provider: string,
  details: AuthorizationRequiredDetails,
): AuthorizationRequiredToolResult {
  const flows = (details.flows ?? [{ flow: "main", url: details.url, scopes: details.missingScopes }]).map(
    (flow) => ({ flow: flow.flow, url: flow.url, scopes: [...flow.scopes] }),
  );
  const content: AuthorizationRequiredContent = {
    error: "authorization_required",
    provider,
    authorizationUrl: details.url,
    missingScopes: [...details.missingScopes],
    flows,
    ...(details.sessionId === undefined ? {} : { sessionId: details.sessionId }),
    ...(details.expiresAt === undefined ? {} : { expiresAt: details.expiresAt }),
  };
  const more = flows.length > 1 ? ` Then complete ${flows.length - 1} more authorization(s).` : "";
  const scopes =
    details.missingScopes.length > 0 ? ` (missing scopes: ${details.missingScopes.join(", ")})` : "";
  return {
    isError: true,
    content: [
      {
        type: "text",
        text: `Authorization required for ${provider}${scopes}. Ask the user to open ${details.url} and then call the tool again.${more}`,
      },
    ],
    structuredContent: content,
  };
}
