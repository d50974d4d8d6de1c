import type { Resolver } from "@credstack/core";
import { InvalidTokenError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import type { OAuthTokenVerifier } from "@modelcontextprotocol/sdk/server/auth/provider.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { McpConfigError } from "./errors.js";

/** Options of {@link resolverTokenVerifier}. */
export interface ResolverTokenVerifierOptions {
  /**
   * The provider slug the verification call names. With a resolver over `bearerJwt` alone (recommended)
   * it does not matter; with a full chain it must be a configured provider.
   * @default "mcp"
   */
  readonly provider?: string;
  /** The name of the bearer-JWT source in the resolver's chain. @default "bearerJwt" */
  readonly sourceName?: string;
  /** The claim holding the token's scopes (space separated). @default "scope" */
  readonly scopeClaim?: string;
  /**
   * The audience(s) this server accepts, usually the MCP server's URL — the `audience` given to
   * `bearerJwt`. `AuthInfo.resource` is then the token audience that matches one of them, so a token
   * whose `aud` array names several resources passes `requireBearerAuth({ expectedResource })` whatever
   * their order. @default the token's first audience that is an http(s) URL
   */
  readonly audience?: string | URL | readonly (string | URL)[];
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === "string" && value.trim().length > 0 ? value : undefined;
}

function httpUrl(value: unknown): URL | undefined {
  if (typeof value !== "string" && !(value instanceof URL)) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** A resource URL as the SDK compares it: without fragment and one trailing slash. */
function resourceKey(url: URL): string {
  const href = url.href.replace(/#.*$/, "");
  return href.endsWith("/") ? href.slice(0, -1) : href;
}

/** The token audience to report: the first one this server accepts, else the first http(s) URL. */
function resourceOf(audience: unknown, accepted: ReadonlySet<string> | undefined): URL | undefined {
  const urls = (Array.isArray(audience) ? audience : [audience])
    .map(httpUrl)
    .filter((url) => url !== undefined);
  if (accepted !== undefined) {
    const matched = urls.find((url) => accepted.has(resourceKey(url)));
    if (matched !== undefined) return matched;
  }
  return urls[0];
}

function acceptedAudiences(audience: ResolverTokenVerifierOptions["audience"]): Set<string> | undefined {
  if (audience === undefined) return undefined;
  const list = typeof audience === "string" || audience instanceof URL ? [audience] : audience;
  const keys = new Set<string>();
  for (const item of list) {
    const url = httpUrl(item);
    if (url === undefined) {
      throw new McpConfigError(
        "resolverTokenVerifier: audience must be http(s) URLs (the MCP server's URL).",
      );
    }
    keys.add(resourceKey(url));
  }
  if (keys.size === 0) throw new McpConfigError("resolverTokenVerifier: audience must not be empty.");
  return keys;
}

/**
 * An `OAuthTokenVerifier` for the SDK's `requireBearerAuth`, built on the resolver's bearer-JWT source:
 * the token is verified exactly as tool calls will verify it (JWKS, `iss`, `aud`, `exp`, algorithm
 * allow-list, clock tolerance). A missing or invalid token becomes the SDK's `InvalidTokenError`, so the
 * middleware answers `401` with `WWW-Authenticate`. The `AuthInfo` carries `client_id` (or `azp`), the
 * `scope` claim, `exp`, the audience as `resource` (the one matching `options.audience`, else the first http(s) URL one), and `extra.{subject, issuer, account}`.
 *
 * Pass a resolver whose chain is the bearer source alone, so verification reads no store and starts no
 * authorization: `createResolver({ chain: [bearerJwt(bearer)] })` with the same `bearer` options as the
 * resolver your tools use.
 *
 * @example
 * ```ts
 * import { type BearerJwtOptions, bearerJwt, createResolver } from "@credstack/core";
 * import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
 * type Handler = ReturnType<typeof requireBearerAuth>;
 * declare const jwksUrl: URL, issuer: string, resourceMetadataUrl: string;
 * declare const app: { post(path: string, ...handlers: Handler[]): void }, handleMcp: Handler;
 * const bearer: BearerJwtOptions = { jwksUrl, issuer, audience: "https://mcp.example/mcp" };
 * const verifier = resolverTokenVerifier(createResolver({ chain: [bearerJwt(bearer)] }), {
 *   audience: "https://mcp.example/mcp",
 * });
 * const expectedResource = new URL("https://mcp.example/mcp");
 * app.post("/mcp", requireBearerAuth({ verifier, resourceMetadataUrl, expectedResource }), handleMcp);
 * ```
 */
export function resolverTokenVerifier(
  resolver: Resolver,
  options: ResolverTokenVerifierOptions = {},
): OAuthTokenVerifier {
  if (typeof resolver?.resolve !== "function") {
    throw new McpConfigError("resolverTokenVerifier: resolver must be a credstack Resolver.");
  }
  const provider = options.provider ?? "mcp";
  const sourceName = options.sourceName ?? "bearerJwt";
  const scopeClaim = options.scopeClaim ?? "scope";
  const accepted = acceptedAudiences(options.audience);

  return {
    async verifyAccessToken(token): Promise<AuthInfo> {
      if (typeof token !== "string" || token.length === 0 || /\s/.test(token)) {
        throw new InvalidTokenError("The bearer token is malformed.");
      }
      const result = await resolver.resolve({
        request: { headers: { authorization: `Bearer ${token}` } },
        provider,
        scopes: [],
      });
      if (result.kind === "unauthorized" && result.error === "invalid_token") {
        throw new InvalidTokenError(result.description);
      }
      // The resolver reports the caller its bearer source verified, with the verified JWT claims.
      const identity = result.identity;
      if (identity?.via !== sourceName || identity.claims === undefined) {
        const present = result.trace.some((item) => item.source === sourceName);
        throw new InvalidTokenError(
          present
            ? "The bearer token did not identify a caller."
            : `The resolver has no ${sourceName} source to verify bearer tokens.`,
        );
      }
      const claims = identity.claims;
      const scope = claims[scopeClaim];
      const resource = resourceOf(claims.aud, accepted);
      const subject = stringClaim(claims, "sub");
      return {
        token,
        clientId: stringClaim(claims, "client_id") ?? stringClaim(claims, "azp") ?? "",
        scopes: typeof scope === "string" ? scope.split(" ").filter((item) => item.length > 0) : [],
        ...(typeof claims.exp === "number" ? { expiresAt: claims.exp } : {}),
        ...(resource === undefined ? {} : { resource }),
        extra: {
          subject,
          issuer: stringClaim(claims, "iss"),
          account: identity.account,
        },
      };
    },
  };
}
