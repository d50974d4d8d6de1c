import type { CallerTokens } from "./lib/caller.js";
import type { CallerOptions } from "./lib/options.js";
import { tokensOf } from "./lib/options.js";

/** Options of {@link authorizedFetch}. */
export interface AuthorizedFetchOptions extends CallerOptions {
  /** The provider slug (a key of the resolver's providers: `github`, `microsoft`, …). */
  readonly provider: string;
  /** The `fetch` to send with. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** The authorization scheme. @default "Bearer" */
  readonly scheme?: string;
}

/** A `fetch` that sends the caller's provider token. */
export type AuthorizedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const replayable = (body: RequestInit["body"] | undefined) =>
  body === undefined ||
  body === null ||
  typeof body === "string" ||
  body instanceof URLSearchParams ||
  body instanceof ArrayBuffer ||
  ArrayBuffer.isView(body) ||
  body instanceof Blob ||
  body instanceof FormData;

/**
 * A `fetch` for one caller at any provider: every request takes the token from `resolve()` (credstack's
 * refresh rules), sends it as `Authorization: Bearer …`, and after a 401 does one throttled forced refresh
 * and one retry (not for streamed bodies). When the credential lacks a scope it throws
 * `AuthorizationRequiredError` (URL and missing scopes) before sending anything.
 *
 * @example
 * ```ts
 * import type { RequestLike, Resolver } from "@credstack/core";
 * import { authorizedFetch } from "@credstack/google/fetch";
 * declare const resolver: Resolver, req: RequestLike; // yours: createResolver(...), the incoming request
 * const api = authorizedFetch({ resolver, request: req, provider: "github", scopes: ["read:user"] });
 * const me = await (await api("https://api.github.com/user")).json();
 * ```
 */
export function authorizedFetch(options: AuthorizedFetchOptions): AuthorizedFetch {
  return fetchFor(tokensOf("authorizedFetch", options?.provider, options), options);
}

/** The `fetch` of a caller's token source. @internal */
export function fetchFor(
  tokens: CallerTokens,
  options: { readonly fetch?: typeof fetch | undefined; readonly scheme?: string | undefined },
): AuthorizedFetch {
  const send = options.fetch ?? globalThis.fetch;
  const scheme = options.scheme ?? "Bearer";
  const withToken = (input: string | URL | Request, init: RequestInit | undefined, token: string) => {
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    headers.set("authorization", `${scheme} ${token}`);
    return send(input, { ...init, headers });
  };
  return async (input, init) => {
    const first = await tokens.token();
    const canRetry = replayable(init?.body) && !(input instanceof Request && input.body !== null);
    const spare = input instanceof Request && canRetry ? input.clone() : input;
    const response = await withToken(input, init, first.accessToken);
    if (response.status !== 401 || !canRetry) return response;
    await response.body?.cancel().catch(() => {});
    const next = await tokens.afterUnauthorized(first);
    return withToken(spare, init, next.accessToken);
  };
}
