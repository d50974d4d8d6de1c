import type { AuthenticationProvider, Context, Middleware } from "@microsoft/microsoft-graph-client";
import { AuthorizationRequiredError } from "./errors.js";
import type { CallerOptions } from "./lib/options.js";
import { tokensOf } from "./lib/options.js";

/** Options of {@link credstackGraphAuthProvider} and {@link credstackGraphMiddleware}. */
export interface GraphAuthOptions extends CallerOptions {
  /** The provider slug of the resolver's Microsoft config. @default "microsoft" */
  readonly provider?: string;
}

/**
 * The Microsoft Graph client's `AuthenticationProvider` on credstack: each request's token comes from
 * `resolve()`; a missing scope throws `AuthorizationRequiredError` before the request. The Graph client
 * does not retry a 401 through an auth provider: use {@link credstackGraphMiddleware} for that.
 *
 * @example
 * ```ts
 * import type { RequestLike, Resolver } from "@credstack/core";
 * import { credstackGraphAuthProvider } from "@credstack/google/graph";
 * import { Client } from "@microsoft/microsoft-graph-client";
 * declare const resolver: Resolver, req: RequestLike; // yours: createResolver(...), the incoming request
 * const graph = Client.initWithMiddleware({ authProvider: credstackGraphAuthProvider({ resolver, request: req, scopes: ["User.Read"] }) });
 * ```
 */
export function credstackGraphAuthProvider(options: GraphAuthOptions): AuthenticationProvider {
  const tokens = tokensOf("credstackGraphAuthProvider", options?.provider ?? "microsoft", options);
  return { getAccessToken: async () => (await tokens.token()).accessToken };
}

function setAuthorization(context: Context, value: string): void {
  if (typeof Request !== "undefined" && context.request instanceof Request) {
    context.request.headers.set("authorization", value);
    return;
  }
  const options = context.options ?? {};
  context.options = options;
  const headers = options.headers;
  if (headers instanceof Headers) headers.set("authorization", value);
  else if (Array.isArray(headers)) {
    options.headers = [
      ...headers.filter(([name]) => name?.toLowerCase() !== "authorization"),
      ["authorization", value],
    ];
  } else {
    const next: Record<string, string> = {};
    for (const [name, header] of Object.entries(headers ?? {})) {
      if (name.toLowerCase() !== "authorization") next[name] = header as string;
    }
    next.authorization = value;
    options.headers = next;
  }
}

/** The middleware of {@link credstackGraphMiddleware}. */
export interface CredstackGraphMiddleware extends Middleware {
  /**
   * The last "authorization required" this middleware raised (cleared by the next authorized request).
   * The Graph SDK rethrows middleware errors as a `GraphError` whose `code` is
   * `"AuthorizationRequiredError"`, without the URL: read it here.
   */
  readonly authorizationRequired: AuthorizationRequiredError | undefined;
}

/**
 * A Microsoft Graph client middleware that authenticates each request with the caller's token from
 * `resolve()`, and after a 401 does one throttled forced refresh and one retry. Put it first, in place
 * of the SDK's `AuthenticationHandler` (which, unlike this one, authenticates only https Graph hosts).
 * A missing scope fails the request before it is sent (see {@link CredstackGraphMiddleware.authorizationRequired}).
 *
 * @example
 * ```ts
 * import type { RequestLike, Resolver } from "@credstack/core";
 * import { credstackGraphMiddleware } from "@credstack/google/graph";
 * import { Client, HTTPMessageHandler } from "@microsoft/microsoft-graph-client";
 * declare const resolver: Resolver, req: RequestLike; // yours: createResolver(...), the incoming request
 * const graph = Client.initWithMiddleware({
 *   middleware: [credstackGraphMiddleware({ resolver, request: req, scopes: ["User.Read"] }), new HTTPMessageHandler()],
 * });
 * ```
 */
export function credstackGraphMiddleware(options: GraphAuthOptions): CredstackGraphMiddleware {
  const tokens = tokensOf("credstackGraphMiddleware", options?.provider ?? "microsoft", options);
  let next: Middleware | undefined;
  let required: AuthorizationRequiredError | undefined;
  const token = async () => {
    try {
      const result = await tokens.token();
      required = undefined;
      return result;
    } catch (error) {
      if (error instanceof AuthorizationRequiredError) required = error;
      throw error;
    }
  };
  return {
    get authorizationRequired() {
      return required;
    },
    setNext(middleware: Middleware) {
      next = middleware;
    },
    async execute(context: Context) {
      if (next === undefined)
        throw new TypeError("credstackGraphMiddleware must not be the last middleware.");
      const first = await token();
      setAuthorization(context, `Bearer ${first.accessToken}`);
      await next.execute(context);
      if (context.response?.status !== 401) return;
      const body = context.options?.body;
      if (body instanceof ReadableStream) return;
      await context.response.body?.cancel().catch(() => {});
      const again = await tokens.afterUnauthorized(first);
      setAuthorization(context, `Bearer ${again.accessToken}`);
      await next.execute(context);
    },
  };
}
