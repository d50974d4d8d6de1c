import type { HeadersLike, RequestLike } from "@credstack/core";
import { authorizationRequiredResult, type ToolExtra, type UnauthorizedContent } from "@credstack/mcp";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AuthorizationRequiredError, CallerUnauthorizedError, GoogleConfigError } from "./errors.js";
import { withPrimedToken } from "./lib/caller.js";
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

function requestOf(extra: ToolExtra): RequestLike {
  // The bearer token `requireBearerAuth` verified names the caller; never a tool argument.
  if (extra.authInfo?.token !== undefined) {
    return { headers: { authorization: `Bearer ${extra.authInfo.token}` } };
  }
  const headers = extra.requestInfo?.headers;
  return headers === undefined ? {} : { headers: headers as HeadersLike };
}

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
      const caller = { request: requestOf(extra), ...(account === undefined ? {} : { account }) };
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
