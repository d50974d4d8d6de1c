import type { Resolver } from "@credstack/core";
import {
  authorizationRequiredResult,
  type ToolExtra,
  toolCallerRequest,
  type UnauthorizedContent,
} from "@credstack/mcp";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AuthorizationRequiredError, CallerUnauthorizedError, GoogleConfigError } from "./errors.js";
import { type AuthorizedFetch, fetchFor } from "./fetch.js";
import { withPrimedToken } from "./lib/caller.js";
import { tokensOf } from "./lib/options.js";
import {
  acquireService,
  type GoogleApis,
  type GoogleServiceClient,
  type GoogleServiceSpec,
  type GoogleServices,
} from "./services.js";

export type { ToolExtra };

/** What a {@link withGoogleService} handler receives. */
export interface GoogleServiceCall<Client, Args> {
  /** The authorized API client of the caller (cached per identity, account, service, version and scopes). */
  readonly service: Client;
  /** The tool's arguments as the SDK validated them (`undefined` for a tool without input schema). */
  readonly args: Args;
  /** The SDK's request context (abort signal, auth info, session id, …). */
  readonly extra: ToolExtra;
}

/** Options of {@link withGoogleService}. */
export interface WithGoogleServiceOptions<Args> {
  /**
   * Picks one of the caller's linked accounts from the arguments (only among the accounts the verified
   * identity may use — never an arbitrary user). @default the identity's primary account
   */
  readonly account?: (args: Args) => string | undefined;
}

/** A tool callback as `registerTool` accepts it, with or without an input schema. */
export type GoogleServiceToolCallback<Args> = (
  ...params: [args: Args, extra: ToolExtra] | [extra: ToolExtra]
) => Promise<CallToolResult>;

function unauthorizedResult(error: CallerUnauthorizedError): CallToolResult {
  const content: UnauthorizedContent = {
    error: "unauthorized",
    reason: error.reason,
    description: error.message,
  };
  return {
    isError: true,
    content: [{ type: "text", text: `Unauthorized: ${error.message}` }],
    structuredContent: content,
  };
}

/**
 * Wraps an MCP tool handler so it receives the caller's ready Google API client: the tool declares the
 * service and scopes ({@link googleService}), never takes a `user_google_email`-style argument, and
 * never sees a token. When the caller must authorize (first time, or an incremental upgrade asking only
 * for the missing scopes), the tool returns `@credstack/mcp`'s `authorizationRequiredResult` — the same
 * shape `withProviderToken` returns — without calling `handler` and without any API call. A refused
 * caller gets the `unauthorized` result. Authorization needed mid-call (a credential revoked while the
 * handler runs) becomes the same result.
 *
 * @example
 * ```ts
 * import type { Resolver } from "@credstack/core";
 * import { createGoogleServices, googleService } from "@credstack/google";
 * import { withGoogleService } from "@credstack/google/mcp";
 * import { drive } from "@googleapis/drive";
 * import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * import { z } from "zod";
 * declare const server: McpServer, resolver: Resolver; // yours
 * const google = createGoogleServices({ resolver, apis: { drive } });
 * server.registerTool("list_files", { inputSchema: { pageSize: z.number().optional() } },
 *   withGoogleService(google, googleService("drive", "v3", { scopes: ["drive_read"] }), async ({ service, args }) => {
 *     const { data } = await service.files.list({ pageSize: args.pageSize ?? 10 });
 *     return { content: [{ type: "text", text: (data.files ?? []).map((f) => f.name).join("\n") }] };
 *   }));
 * ```
 */
export function withGoogleService<
  Apis extends GoogleApis,
  Name extends keyof Apis & string,
  Args = undefined,
>(
  services: GoogleServices<Apis>,
  spec: GoogleServiceSpec<Name>,
  handler: (
    call: GoogleServiceCall<GoogleServiceClient<Apis, Name>, Args>,
  ) => CallToolResult | Promise<CallToolResult>,
  options: WithGoogleServiceOptions<Args> = {},
): GoogleServiceToolCallback<Args> {
  if (typeof services?.get !== "function") {
    throw new GoogleConfigError("withGoogleService: services must come from createGoogleServices.");
  }
  if (typeof spec?.service !== "string" || !Array.isArray(spec.scopes)) {
    throw new GoogleConfigError("withGoogleService: spec must come from googleService().");
  }
  if (typeof handler !== "function")
    throw new GoogleConfigError("withGoogleService: handler must be a function.");
  return async (...params) => {
    const extra = (params.length > 1 ? params[1] : params[0]) as ToolExtra;
    const args = (params.length > 1 ? params[0] : undefined) as Args;
    const account = options.account?.(args);
    try {
      const caller = { request: toolCallerRequest(extra), ...(account === undefined ? {} : { account }) };
      const acquired = acquireService(services, caller, spec);
      if (acquired === undefined) {
        return await handler({ service: await services.get(caller, spec), args, extra });
      }
      // The token resolve() just returned for this call serves the handler's first API request.
      const { client, tokens, token } = await acquired;
      const service = client as GoogleServiceClient<Apis, Name>;
      return await withPrimedToken(tokens, token, () => handler({ service, args, extra }));
    } catch (error) {
      if (error instanceof AuthorizationRequiredError)
        return authorizationRequiredResult(error.provider, error);
      if (error instanceof CallerUnauthorizedError) return unauthorizedResult(error);
      throw error;
    }
  };
}

/** What a {@link withAuthorizedFetch} handler receives. */
export interface AuthorizedFetchCall<Args> {
  /** A `fetch` sending the caller's provider token (401 → one shared refresh → one retry). */
  readonly fetch: AuthorizedFetch;
  /** The tool's arguments as the SDK validated them (`undefined` for a tool without input schema). */
  readonly args: Args;
  /** The SDK's request context. */
  readonly extra: ToolExtra;
}

/** Options of {@link withAuthorizedFetch}. */
export interface WithAuthorizedFetchOptions<Args> extends WithGoogleServiceOptions<Args> {
  /** The provider slug (`github`, `microsoft`, or any configured provider). */
  readonly provider: string;
  /** The scopes the tool needs, in any form the provider's scope registry accepts. */
  readonly scopes: readonly string[];
  /** At most one forced refresh per credential in this window, after a 401. @default 10000 */
  readonly refreshThrottleMs?: number;
  /** The `fetch` to send with. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * {@link withGoogleService} for any provider: the handler receives an `authorizedFetch` for the caller.
 * The scopes are checked through `resolve()` before the handler runs; when the user must authorize, the
 * tool returns `@credstack/mcp`'s "authorization required" result (only the missing scopes) without
 * calling the handler.
 *
 * @example
 * ```ts
 * import type { Resolver } from "@credstack/core";
 * import { withAuthorizedFetch } from "@credstack/google/mcp";
 * import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
 * declare const server: McpServer, resolver: Resolver; // yours
 * server.registerTool("github_me", {},
 *   withAuthorizedFetch(resolver, { provider: "github", scopes: ["read:user"] }, async ({ fetch }) => {
 *     const me = (await (await fetch("https://api.github.com/user")).json()) as { login: string };
 *     return { content: [{ type: "text", text: me.login }] };
 *   }));
 * ```
 */
export function withAuthorizedFetch<Args = undefined>(
  resolver: Resolver,
  options: WithAuthorizedFetchOptions<Args>,
  handler: (call: AuthorizedFetchCall<Args>) => CallToolResult | Promise<CallToolResult>,
): GoogleServiceToolCallback<Args> {
  // Checks the options once, when the tool is defined.
  tokensOf("withAuthorizedFetch", options?.provider, { resolver, scopes: options?.scopes });
  if (typeof handler !== "function") {
    throw new GoogleConfigError("withAuthorizedFetch: handler must be a function.");
  }
  return async (...params) => {
    const extra = (params.length > 1 ? params[1] : params[0]) as ToolExtra;
    const args = (params.length > 1 ? params[0] : undefined) as Args;
    const account = options.account?.(args);
    const tokens = tokensOf("withAuthorizedFetch", options.provider, {
      resolver,
      request: toolCallerRequest(extra),
      scopes: options.scopes,
      ...(account === undefined ? {} : { account }),
      ...(options.refreshThrottleMs === undefined ? {} : { refreshThrottleMs: options.refreshThrottleMs }),
    });
    try {
      const first = await tokens.token();
      const fetch = fetchFor(tokens, { fetch: options.fetch });
      return await withPrimedToken(tokens, first, () => handler({ fetch, args, extra }));
    } catch (error) {
      if (error instanceof AuthorizationRequiredError)
        return authorizationRequiredResult(error.provider, error);
      if (error instanceof CallerUnauthorizedError) return unauthorizedResult(error);
      throw error;
    }
  };
}
