import type { CallerOptions } from "./lib/options.js";
import { tokensOf } from "./lib/options.js";

/** Options of {@link credstackOctokitAuth} (Octokit passes its `auth` option here). */
export interface OctokitAuthOptions extends CallerOptions {
  /** The provider slug of the resolver's GitHub config. @default "github" */
  readonly provider?: string;
}

/** The token Octokit's `octokit.auth()` returns. */
export interface OctokitTokenAuthentication {
  readonly type: "token";
  readonly tokenType: "oauth";
  readonly token: string;
}

/** The request function Octokit hands an auth hook (structural: any `@octokit/request` version). */
export interface OctokitRequest {
  (options: OctokitEndpoint): Promise<unknown>;
  readonly endpoint: { merge(route: unknown, parameters?: unknown): OctokitEndpoint };
}

/** The endpoint options an auth hook sends. */
export interface OctokitEndpoint {
  headers: Record<string, string | number | undefined>;
  [option: string]: unknown;
}

/** Octokit's auth interface: `auth()` and `auth.hook`. */
export interface OctokitAuth {
  (): Promise<OctokitTokenAuthentication>;
  hook(request: OctokitRequest, route: unknown, parameters?: unknown): Promise<unknown>;
}

/**
 * Octokit's `authStrategy` on credstack: every request takes the caller's GitHub token from `resolve()`;
 * a 401 triggers one throttled forced refresh and one retry; a missing scope throws
 * `AuthorizationRequiredError` before the request.
 *
 * @example
 * ```ts
 * import type { RequestLike, Resolver } from "@credstack/core";
 * import { credstackOctokitAuth, type OctokitAuthOptions } from "@credstack/google/github";
 * import { Octokit } from "@octokit/rest";
 * declare const resolver: Resolver, req: RequestLike; // yours: createResolver(...), the incoming request
 * const octokit = new Octokit({
 *   authStrategy: credstackOctokitAuth,
 *   auth: { resolver, request: req, scopes: ["read:user"] } satisfies OctokitAuthOptions,
 * });
 * ```
 */
export function credstackOctokitAuth(options: OctokitAuthOptions): OctokitAuth {
  const tokens = tokensOf("credstackOctokitAuth", options?.provider ?? "github", options);
  const auth = async (): Promise<OctokitTokenAuthentication> => ({
    type: "token",
    tokenType: "oauth",
    token: (await tokens.token()).accessToken,
  });
  auth.hook = async (request: OctokitRequest, route: unknown, parameters?: unknown) => {
    const endpoint = request.endpoint.merge(route, parameters);
    const first = await tokens.token();
    endpoint.headers.authorization = `token ${first.accessToken}`;
    try {
      return await request(endpoint);
    } catch (error) {
      if ((error as { status?: number })?.status !== 401) throw error;
      const next = await tokens.afterUnauthorized(first);
      endpoint.headers.authorization = `token ${next.accessToken}`;
      return request(endpoint);
    }
  };
  return auth;
}
