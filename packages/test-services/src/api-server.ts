import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** Redirect URIs the authorization endpoint accepts. @default ["http://127.0.0.1:9/callback"] */
  readonly redirectUris?: readonly string[];
  /** Lifetime of issued access tokens, seconds. @default 3600 */
  readonly accessTokenTtlSec?: number;
  /** The client id. @default "api-test-client" */
  readonly clientId?: string;
  /** The client secret (client_secret_basic). @default "api-test-client-secret" */
  readonly clientSecret?: string;
}

/** One API request the server answered. */
export interface ApiRequestLog {
  /** `google`, `github` or `graph`. */
  readonly api: "google" | "github" | "graph";
  /** The request path. */
  readonly path: string;
  /** The account whose token was sent (undefined for an unknown token). */
  readonly account: string | undefined;
  /** The access token sent (test data only). */
  readonly token: string | undefined;
  /** The status answered. */
  readonly status: number;
}

/** Tokens issued by {@link ApiServer.grant}. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly scopes: readonly string[];
}

/** A running provider-shaped server: OAuth endpoints plus Google Drive, GitHub and Microsoft Graph routes. */
export interface ApiServer {
  /** `http://127.0.0.1:PORT` (also the issuer). */
  readonly url: string;
  /** Google-style API root for `googleapis` clients (`rootUrl`), ending in `/`. */
  readonly googleRootUrl: string;
  /** Base URL for Octokit (`baseUrl`). */
  readonly githubBaseUrl: string;
  /** Base URL for the Microsoft Graph client (`baseUrl`), ending in `/`. */
  readonly graphBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * Counts: `redemptions` (refresh-token grants answered with new tokens), `refreshAttempts` (every
   * refresh-token grant), `codes` (authorization-code grants), `api` (API requests of any status).
   */
  readonly calls: { redemptions: number; refreshAttempts: number; codes: number; api: number };
  /** Every API request, in order. */
  readonly log: ApiRequestLog[];
  /** Issues tokens for `account` directly (as if it had authorized `scopes`). */
  grant(account: string, scopes: readonly string[], options?: { readonly ttlSec?: number }): IssuedTokens;
  /** The server stops accepting `accessToken` (it answers 401, as for an expired token). */
  expire(accessToken: string): void;
  /** Revokes every token of `account`: refresh grants answer `invalid_grant`. */
  revoke(account: string): void;
  /**
   * Completes an authorization URL of this server as `login` (the `login_hint`, else `login`) and
   * returns the redirect (with `code`, `state` and `iss`).
   */
  authorize(url: string | URL, login?: string): Promise<string>;
  /**
   * The `@credstack/core` provider config for this server (explicit endpoints, loopback HTTP allowed).
   * `scopes` names the scope registry.
   */
  providerConfig(
    redirectUri?: string,
    scopes?: "google" | "github" | "microsoft" | "plain",
  ): {
    readonly issuer: string;
    readonly authorization_endpoint: string;
    readonly token_endpoint: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly redirectUri: string;
    readonly scopes: "google" | "github" | "microsoft" | "plain";
    readonly authorization_response_iss_parameter_supported: true;
    readonly allowInsecureRequests: true;
  };
  close(): Promise<void>;
}

interface AccessToken {
  readonly account: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
  expired: boolean;
}

interface PendingCode {
  readonly account: string;
  readonly scopes: readonly string[];
  readonly challenge: string;
  readonly redirectUri: string;
}

const has = (granted: readonly string[], needed: string) =>
  granted.some((scope) => scope === needed || scope.endsWith(`/${needed}`));

async function bodyOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

/**
 * Starts a provider-shaped server on a random loopback port, for tests of API clients on credstack:
 * an OAuth authorization endpoint (auto-consent, PKCE S256, Google-style `include_granted_scopes`), a
 * token endpoint (authorization code, refresh token; counts redemptions), and API routes that check the
 * bearer token like the real services — 401 for an unknown or expired token, 403 for a missing scope:
 * Google Drive `GET drive/v3/files` (needs `drive.readonly` or `drive`; 403 `insufficientPermissions`),
 * GitHub `GET /github/user` (needs `read:user`), Microsoft Graph `GET /graph/v1.0/me` (needs `User.Read`).
 */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const redirectUris = [...(options.redirectUris ?? ["http://127.0.0.1:9/callback"])];
  const clientId = options.clientId ?? "api-test-client";
  const clientSecret = options.clientSecret ?? "api-test-client-secret";
  const ttlSec = options.accessTokenTtlSec ?? 3600;
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, { account: string; scopes: readonly string[] }>();
  const grantedScopes = new Map<string, Set<string>>();
  const codes = new Map<string, PendingCode>();
  const revoked = new Set<string>();
  const calls = { redemptions: 0, refreshAttempts: 0, codes: 0, api: 0 };
  const log: ApiRequestLog[] = [];
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  const issue = (account: string, scopes: readonly string[], ttl = ttlSec): IssuedTokens => {
    const accessToken = `at-${randomBytes(18).toString("base64url")}`;
    const refreshToken = `rt-${randomBytes(18).toString("base64url")}`;
    const expiresAt = Date.now() + ttl * 1000;
    accessTokens.set(accessToken, { account, scopes: [...scopes], expiresAt, expired: false });
    refreshTokens.set(refreshToken, { account, scopes: [...scopes] });
    revoked.delete(account);
    return { accessToken, refreshToken, expiresAt, scopes: [...scopes] };
  };

  const clientOk = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? "";
    if (!header.startsWith("Basic ")) return false;
    const [id, secret] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
    return decodeURIComponent(id ?? "") === clientId && decodeURIComponent(secret ?? "") === clientSecret;
  };

  async function token(req: IncomingMessage, res: ServerResponse) {
    if (!clientOk(req)) return json(res, 401, { error: "invalid_client" });
    const body = await bodyOf(req);
    const grantType = body.get("grant_type");
    if (grantType === "refresh_token") {
      calls.refreshAttempts++;
      const held = refreshTokens.get(body.get("refresh_token") ?? "");
      if (held === undefined || revoked.has(held.account)) return json(res, 400, { error: "invalid_grant" });
      calls.redemptions++;
      const next = issue(held.account, held.scopes);
      // Google keeps the refresh token: only a new access token is returned.
      refreshTokens.delete(next.refreshToken);
      return json(res, 200, {
        access_token: next.accessToken,
        token_type: "Bearer",
        expires_in: ttlSec,
        scope: held.scopes.join(" "),
      });
    }
    if (grantType === "authorization_code") {
      const pending = codes.get(body.get("code") ?? "");
      codes.delete(body.get("code") ?? "");
      const verifier = body.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (
        pending === undefined ||
        pending.challenge !== challenge ||
        pending.redirectUri !== body.get("redirect_uri")
      ) {
        return json(res, 400, { error: "invalid_grant" });
      }
      calls.codes++;
      const next = issue(pending.account, pending.scopes);
      return json(res, 200, {
        access_token: next.accessToken,
        refresh_token: next.refreshToken,
        token_type: "Bearer",
        expires_in: ttlSec,
        scope: pending.scopes.join(" "),
      });
    }
    return json(res, 400, { error: "unsupported_grant_type" });
  }

  function authorizeEndpoint(requestUrl: URL, res: ServerResponse) {
    const params = requestUrl.searchParams;
    const redirectUri = params.get("redirect_uri") ?? "";
    if (params.get("client_id") !== clientId || !redirectUris.includes(redirectUri)) {
      return json(res, 400, { error: "invalid_request" });
    }
    const account = params.get("login_hint") ?? params.get("x_login") ?? "alice@example.com";
    const requested = (params.get("scope") ?? "").split(" ").filter(Boolean);
    const held = grantedScopes.get(account) ?? new Set<string>();
    const scopes =
      params.get("include_granted_scopes") === "true" ? [...new Set([...held, ...requested])] : requested;
    grantedScopes.set(account, new Set(scopes));
    const code = randomBytes(16).toString("base64url");
    codes.set(code, {
      account,
      scopes,
      challenge: params.get("code_challenge") ?? "",
      redirectUri,
    });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    target.searchParams.set("state", params.get("state") ?? "");
    target.searchParams.set("iss", url);
    res.writeHead(302, { location: target.href });
    res.end();
  }

  function api(
    req: IncomingMessage,
    res: ServerResponse,
    kind: ApiRequestLog["api"],
    path: string,
    scope: readonly string[],
    ok: (account: string) => unknown,
  ) {
    calls.api++;
    const header = req.headers.authorization ?? "";
    const match = /^(?:Bearer|token) (.+)$/i.exec(header);
    const sent = match?.[1];
    const held = sent === undefined ? undefined : accessTokens.get(sent);
    const valid = held !== undefined && !held.expired && held.expiresAt > Date.now();
    const record = (status: number) =>
      log.push({ api: kind, path, account: held?.account, token: sent, status });
    if (!valid) {
      record(401);
      if (kind === "github") return json(res, 401, { message: "Bad credentials" });
      if (kind === "graph") {
        return json(res, 401, {
          error: {
            code: "InvalidAuthenticationToken",
            message: "Access token has expired or is not yet valid.",
          },
        });
      }
      return json(
        res,
        401,
        {
          error: {
            code: 401,
            message: "Request had invalid authentication credentials.",
            errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError" }],
            status: "UNAUTHENTICATED",
          },
        },
        { "www-authenticate": 'Bearer realm="https://accounts.google.com/"' },
      );
    }
    if (!scope.some((needed) => has(held.scopes, needed))) {
      record(403);
      if (kind === "github") return json(res, 403, { message: "Resource not accessible by integration" });
      if (kind === "graph") {
        return json(res, 403, {
          error: { code: "Authorization_RequestDenied", message: "Insufficient privileges" },
        });
      }
      return json(res, 403, {
        error: {
          code: 403,
          message: "Request had insufficient authentication scopes.",
          errors: [
            { message: "Insufficient Permission", domain: "global", reason: "insufficientPermissions" },
          ],
          status: "PERMISSION_DENIED",
        },
      });
    }
    record(200);
    return json(res, 200, ok(held.account));
  }

  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const requestUrl = new URL(req.url ?? "/", url);
    const path = requestUrl.pathname;
    const route = `${req.method} ${path}`;
    Promise.resolve()
      .then(() => {
        if (route === "POST /token") return token(req, res);
        if (route === "GET /o/oauth2/v2/auth") return authorizeEndpoint(requestUrl, res);
        if (route === "GET /drive/v3/files") {
          return api(req, res, "google", path, ["drive.readonly", "drive"], (account) => ({
            kind: "drive#fileList",
            files: [{ kind: "drive#file", id: `file-of-${account}`, name: `Notes of ${account}` }],
          }));
        }
        if (route === "GET /github/user") {
          return api(req, res, "github", path, ["read:user", "user"], (account) => ({
            login: account,
            id: 1,
          }));
        }
        if (route === "GET /graph/v1.0/me") {
          return api(req, res, "graph", path, ["User.Read"], (account) => ({
            userPrincipalName: account,
            id: `id-${account}`,
          }));
        }
        return json(res, 404, { error: "not_found" });
      })
      .catch(() => {
        if (!res.headersSent) json(res, 500, { error: "server_error" });
      });
  });

  return {
    url,
    googleRootUrl: `${url}/`,
    githubBaseUrl: `${url}/github`,
    graphBaseUrl: `${url}/graph/`,
    clientId,
    clientSecret,
    calls,
    log,
    grant(account, scopes, grantOptions = {}) {
      const tokens = issue(account, scopes, grantOptions.ttlSec);
      grantedScopes.set(account, new Set([...(grantedScopes.get(account) ?? []), ...scopes]));
      return tokens;
    },
    expire(accessToken) {
      const held = accessTokens.get(accessToken);
      if (held !== undefined) held.expired = true;
    },
    revoke(account) {
      revoked.add(account);
      for (const held of accessTokens.values()) if (held.account === account) held.expired = true;
    },
    async authorize(authorizationUrl, login) {
      const target = new URL(authorizationUrl);
      if (login !== undefined && !target.searchParams.has("login_hint"))
        target.searchParams.set("x_login", login);
      const response = await fetch(target, { redirect: "manual" });
      await response.body?.cancel().catch(() => {});
      const location = response.headers.get("location");
      if (response.status !== 302 || location === null) {
        throw new Error(`The authorization endpoint answered ${response.status}.`);
      }
      return location;
    },
    providerConfig(redirectUri = redirectUris[0] as string, scopes = "google") {
      return {
        issuer: url,
        authorization_endpoint: `${url}/o/oauth2/v2/auth`,
        token_endpoint: `${url}/token`,
        clientId,
        clientSecret,
        redirectUri,
        scopes,
        authorization_response_iss_parameter_supported: true,
        allowInsecureRequests: true,
      };
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
