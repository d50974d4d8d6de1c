import {
  type AuthorizationRequiredFlow,
  authorizationRequiredToolResult,
  type AuthorizationRequiredContent as CoreAuthorizationRequiredContent,
  type HeadersLike,
  type RequestLike,
  type Resolver,
  type TokenResult,
} from "@credstack/core";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { McpConfigError } from "./errors.js";

/** The `extra` argument the SDK passes to a tool handler. */
export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The provider token handed to a tool: for the calling identity, covering the requested scopes. */
export interface ProviderToken {
  /** The provider slug. */
  readonly provider: string;
  /** The access token (secret: send it to the provider, never back to the client). */
  readonly accessToken: string;
  /** When it expires, epoch ms, when known. */
  readonly expiresAt?: number;
  /** The scopes it carries. */
  readonly scopes: readonly string[];
  /** The account it belongs to (the caller's, or one linked to the caller's identity). */
  readonly account: string;
  /** The resolver source that produced it. */
  readonly source: string;
}

/** What the wrapped handler receives. */
export interface ProviderTokenCall<Args> {
  /** The provider token of the caller. */
  readonly token: ProviderToken;
  /** The tool's arguments, as the SDK validated them (`undefined` for a tool without input schema). */
  readonly args: Args;
  /** The SDK's request context (abort signal, auth info, session id, ...). */
  readonly extra: ToolExtra;
  /**
   * Resolves again with `forceRefresh` (after the provider answered 401 to `token`): one shared
   * refresh, at most once per call. Returns the new token, or `undefined` when the user must authorize again.
   */
  refresh(): Promise<ProviderToken | undefined>;
}

/** Options of {@link withProviderToken}. */
export interface WithProviderTokenOptions<Args> {
  /** The provider slug (`google`, or a configured provider). */
  readonly provider: string;
  /** The scopes the tool needs, in any form `@credstack/scopes` accepts for the provider. */
  readonly scopes: readonly string[];
  /**
   * Picks one of the caller's linked accounts from the arguments (it can only select among the accounts
   * the verified identity may use — it never names an arbitrary user). @default the identity's primary account
   */
  readonly account?: (args: Args) => string | undefined;
}

/**
 * The `structuredContent` of an "authorization required" tool result: `@credstack/core`'s shared type
 * (the same one `@credstack/gateway/client`'s `requireAuth` answers with).
 */
export type AuthorizationRequiredContent = CoreAuthorizationRequiredContent;

/** The `structuredContent` of an "unauthorized" tool result (no verified caller, or the account is not theirs). */
export interface UnauthorizedContent {
  readonly error: "unauthorized";
  /** The resolver's reason (`invalid_token`, `account_not_allowed`, `identity_required`, `no_credential`). */
  readonly reason: string;
  /** Secret-free description. */
  readonly description: string;
  [field: string]: unknown;
}

/** A tool callback as `registerTool` accepts it, with or without an input schema. */
export type ProviderTokenToolCallback<Args> = (
  ...params: [args: Args, extra: ToolExtra] | [extra: ToolExtra]
) => Promise<CallToolResult>;

/**
 * The request a tool call's caller is resolved from: the bearer token `requireBearerAuth` verified (the
 * caller's identity — never a tool argument), else the HTTP request's headers (a session cookie).
 *
 * @example
 * ```ts
 * import type { Resolver } from "@credstack/core";
 * import { type ToolExtra, toolCallerRequest } from "@credstack/mcp";
 * declare const resolver: Resolver, extra: ToolExtra;
 * await resolver.resolve({ request: toolCallerRequest(extra), provider: "google", scopes: ["openid"] });
 * ```
 */
export function toolCallerRequest(extra: ToolExtra): RequestLike {
  if (extra.authInfo?.token !== undefined) {
    return { headers: { authorization: `Bearer ${extra.authInfo.token}` } };
  }
  const headers = extra.requestInfo?.headers;
  return headers === undefined ? {} : { headers: headers as HeadersLike };
}

function tokenOf(provider: string, result: TokenResult): ProviderToken {
  return {
    provider,
    accessToken: result.accessToken,
    ...(result.expiresAt === undefined ? {} : { expiresAt: result.expiresAt }),
    scopes: result.scopes,
    account: result.account,
    source: result.source,
  };
}

/**
 * The tool result telling the client the user must authorize `provider`: `isError: true`, a text
 * content naming the URL and the missing scopes (for models and plain clients), and
 * `structuredContent` {@link AuthorizationRequiredContent} (for clients that open the URL themselves).
 * Built by `@credstack/core`'s `authorizationRequiredToolResult`, so `@credstack/gateway/client`
 * answers with the same shape (docs/mcp.md, "The authorization-required result").
 */
export function authorizationRequiredResult(
  provider: string,
  request: {
    readonly url: string;
    readonly missingScopes: readonly string[];
    readonly flows: readonly AuthorizationRequiredFlow[];
  },
): CallToolResult {
  return authorizationRequiredToolResult(provider, request);
}

function unauthorizedResult(reason: string, description: string): CallToolResult {
  const content: UnauthorizedContent = { error: "unauthorized", reason, description };
  return {
    isError: true,
    content: [{ type: "text", text: `Unauthorized: ${description}` }],
    structuredContent: content,
  };
}

/**
 * Wraps an MCP tool handler so it receives the calling identity's provider token. The identity comes
 * from the request's verified bearer token (`extra.authInfo`, set by `requireBearerAuth`), resolved
 * through your resolver — tools never take a `user_google_email`-style argument. When the resolver
 * answers `authorization_required`, the tool returns {@link authorizationRequiredResult} (URL and
 * missing scopes) without calling `handler`; `unauthorized` becomes an `isError` result too. Other
 * resolver failures (store down, transient refresh failure) reject, and the SDK reports them as a tool error.
 *
 * @example
 * ```ts
 * import type { Resolver } from "@credstack/core";
 * import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { z } from "zod";
 * declare const server: McpServer, resolver: Resolver;
 * declare function listFiles(accessToken: string, folder: string): Promise<string[]>;
 * server.registerTool("list_files", { inputSchema: { folder: z.string() } },
 *   withProviderToken(resolver, { provider: "google", scopes: ["drive.readonly"] }, async ({ token, args }) => {
 *     const files = await listFiles(token.accessToken, args.folder);
 *     return { content: [{ type: "text", text: files.join("\n") }] };
 *   }));
 * ```
 */
export function withProviderToken<Args = undefined>(
  resolver: Resolver,
  options: WithProviderTokenOptions<Args>,
  handler: (call: ProviderTokenCall<Args>) => CallToolResult | Promise<CallToolResult>,
): ProviderTokenToolCallback<Args> {
  if (typeof resolver?.resolve !== "function") {
    throw new McpConfigError("withProviderToken: resolver must be a credstack Resolver.");
  }
  if (
    typeof options?.provider !== "string" ||
    options.provider.length === 0 ||
    !Array.isArray(options.scopes)
  ) {
    throw new McpConfigError("withProviderToken: provider and scopes are required.");
  }
  if (typeof handler !== "function")
    throw new McpConfigError("withProviderToken: handler must be a function.");
  const { provider, scopes } = options;

  return async (...params) => {
    const extra = (params.length > 1 ? params[1] : params[0]) as ToolExtra;
    const args = (params.length > 1 ? params[0] : undefined) as Args;
    const account = options.account?.(args);
    const input = {
      request: toolCallerRequest(extra),
      provider,
      scopes,
      ...(account === undefined ? {} : { account }),
    };
    const result = await resolver.resolve(input);
    if (result.kind === "authorization_required") return authorizationRequiredResult(provider, result);
    if (result.kind === "unauthorized") return unauthorizedResult(result.error, result.description);
    let refreshed = false;
    return handler({
      token: tokenOf(provider, result),
      args,
      extra,
      async refresh() {
        if (refreshed) return undefined;
        refreshed = true;
        const again = await resolver.resolve({ ...input, forceRefresh: true });
        return again.kind === "token" ? tokenOf(provider, again) : undefined;
      },
    });
  };
}
