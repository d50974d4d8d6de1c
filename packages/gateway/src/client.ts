/**
 * `@credstack/gateway/client`: calls a credstack gateway from an MCP server (or any service) in another
 * process. No server dependencies: `fetch`, and `@credstack/core` for the shared "authorization required"
 * tool result.
 *
 * @packageDocumentation
 */
import {
  type AuthorizationRequiredFlow,
  type AuthorizationRequiredToolResult,
  authorizationRequiredToolResult,
} from "@credstack/core";
import type { z } from "zod";
import { AuthorizationRequiredError, GatewayConfigError, GatewayRequestError } from "./errors.js";
import type {
  authorizationStarted,
  revokeRequest,
  revokeResponse,
  sessionStatus,
  tokenRequest,
  tokenResponse,
} from "./lib/schemas.js";

export { AuthorizationRequiredError, GatewayRequestError } from "./errors.js";

/** Options of {@link createGatewayClient}. */
export interface GatewayClientOptions {
  /** The gateway's base URL (`https://auth.example.com`). */
  readonly url: string;
  /** The API key (sent as `X-API-Key`). Keep it in a secret, never in a browser. */
  readonly apiKey: string;
  /** Timeout of each request, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** `fetch`. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * What {@link GatewayClient.getToken} asks for: the body of `POST /auth/token` (`provider`; `account`,
 * required with a service key, with a delegated key defaulting to the user's primary account; `scopes`,
 * default the provider's defaultScopes; `forceRefresh` after the API answered 401), plus `subjectToken`.
 */
export type TokenRequest = Readonly<Omit<z.input<typeof tokenRequest>, "scopes">> & {
  /** Scope names the token must carry. @default the provider's defaultScopes on the gateway */
  readonly scopes?: readonly string[];
  /**
   * The end user's bearer token (delegated keys): sent as `Authorization: Bearer`; the gateway verifies
   * it and serves only that user's accounts.
   */
  readonly subjectToken?: string;
};

/** A usable access token: the `POST /auth/token` 200 answer (`accessToken` is secret). */
export type GatewayToken = Readonly<z.output<typeof tokenResponse>>;

/** An authorization the user must complete: the `POST /auth/init` answer. */
export type StartedAuthorization = Readonly<z.output<typeof authorizationStarted>>;

/** The state of an authorization session: the `GET /auth/status/:sessionId` answer. */
export type SessionStatus = Readonly<z.output<typeof sessionStatus>>;

/** What {@link GatewayClient.revoke} reports: the `DELETE /auth/revoke` answer. */
export type RevokeResult = Readonly<z.output<typeof revokeResponse>>;

/**
 * What a tool wrapped by {@link GatewayClient.requireAuth} answers when the user must authorize:
 * `@credstack/core`'s shared "authorization required" tool result — the same shape as `@credstack/mcp`'s
 * (`structuredContent: { error: "authorization_required", provider, authorizationUrl, missingScopes,
 * flows, sessionId, expiresAt }`; docs/mcp.md, "The authorization-required result").
 */
export type AuthorizationRequiredAnswer = AuthorizationRequiredToolResult;

/** Options of {@link GatewayClient.requireAuth}. */
export interface RequireAuthOptions<Args> {
  /** The provider slug. */
  readonly provider: string;
  /** Scope names the tool needs. @default the provider's defaultScopes on the gateway */
  readonly scopes?: readonly string[];
  /** The account the call acts for (service keys), from the tool's arguments. */
  readonly account?: (args: Args) => string | Promise<string>;
  /** The caller's bearer token (delegated keys): the gateway derives the account from it. */
  readonly subjectToken?: (args: Args) => string | undefined | Promise<string | undefined>;
  /**
   * What to answer when the user must authorize.
   * @default an MCP tool result (`isError: true`) whose text gives the URL
   */
  readonly onAuthorizationRequired?: (error: AuthorizationRequiredError, args: Args) => unknown;
}

/** A client of one gateway. */
export interface GatewayClient {
  /**
   * A valid access token (the gateway refreshes it when needed).
   * @throws AuthorizationRequiredError when the user must authorize first (URL and session inside)
   * @throws GatewayRequestError when the gateway refuses or cannot be reached
   */
  getToken(request: TokenRequest): Promise<GatewayToken>;
  /**
   * Wraps a tool handler: it runs with a valid token; when the user must authorize, the wrapper answers
   * `onAuthorizationRequired` (default: an MCP "authorization required" tool result) without running it.
   * @example
   * ```ts
   * import { createGatewayClient } from "@credstack/gateway/client";
   * declare function fetchDrive(accessToken: string, args: { user: string }): Promise<{ content: [] }>;
   * const client = createGatewayClient({ url: "http://127.0.0.1:8787", apiKey: "csk_…" });
   * const listFiles = client.requireAuth(
   *   { provider: "google", scopes: ["drive.readonly"], account: (args: { user: string }) => args.user },
   *   async (token, args) => fetchDrive(token.accessToken, args),
   * );
   * ```
   */
  requireAuth<Args, Result>(
    options: RequireAuthOptions<Args>,
    handler: (token: GatewayToken, args: Args) => Promise<Result>,
  ): (args: Args) => Promise<Result | AuthorizationRequiredAnswer>;
  /** Starts an authorization explicitly (`POST /auth/init`). */
  startAuthorization(request: Omit<TokenRequest, "forceRefresh">): Promise<StartedAuthorization>;
  /** The state of a session (`GET /auth/status/:sessionId`). */
  status(sessionId: string): Promise<SessionStatus>;
  /** Polls {@link GatewayClient.status} until the session is no longer pending. @default intervalMs 1000, timeoutMs 600000 */
  waitForAuthorization(
    sessionId: string,
    options?: { readonly intervalMs?: number; readonly timeoutMs?: number },
  ): Promise<SessionStatus>;
  /** Revokes and deletes the account's credential (`DELETE /auth/revoke`). */
  revoke(
    request: Readonly<z.input<typeof revokeRequest>> & { readonly subjectToken?: string },
  ): Promise<RevokeResult>;
}

/**
 * Creates a client of a credstack gateway.
 * @example
 * ```ts
 * import { createGatewayClient } from "@credstack/gateway/client";
 * declare const env: { GATEWAY_URL: string; GATEWAY_API_KEY: string }; // process.env, checked
 * const gateway = createGatewayClient({ url: env.GATEWAY_URL, apiKey: env.GATEWAY_API_KEY });
 * const { accessToken } = await gateway.getToken({ provider: "google", account: "alice@example.com" });
 * ```
 * @throws GatewayConfigError (`ERR_INVALID_CONFIG`) for a missing URL or API key.
 */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  if (typeof options?.url !== "string" || !/^https?:\/\//i.test(options.url)) {
    throw new GatewayConfigError("createGatewayClient() needs the gateway's http(s) url.");
  }
  if (typeof options.apiKey !== "string" || options.apiKey.length === 0) {
    throw new GatewayConfigError("createGatewayClient() needs an apiKey.");
  }
  const base = options.url.replace(/\/+$/, "");
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(
    method: string,
    path: string,
    request?: object,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const { subjectToken, ...body } = (request ?? {}) as { subjectToken?: string };
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers: {
          "x-api-key": options.apiKey,
          ...(subjectToken === undefined ? {} : { authorization: `Bearer ${subjectToken}` }),
          accept: "application/json",
          ...(request === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(request === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new GatewayRequestError(0, "unreachable", "The gateway could not be reached or timed out.", {
        cause: error,
      });
    }
    let json: Record<string, unknown>;
    try {
      json = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw new GatewayRequestError(
        response.status,
        "invalid_response",
        "The gateway answered something other than JSON.",
        { cause: error },
      );
    }
    const reauthorize = json.error === "authorization_required" || json.error === "credential_unreadable";
    if (response.status >= 400 && !reauthorize) {
      const error = typeof json.error === "string" ? json.error : "error";
      const message =
        typeof json.message === "string" ? json.message.slice(0, 300) : `HTTP ${response.status}`;
      throw new GatewayRequestError(
        response.status,
        error,
        `The gateway answered ${response.status} ${error}: ${message}`,
      );
    }
    return { status: response.status, json };
  }

  const client: GatewayClient = {
    async getToken(request) {
      const { json } = await call("POST", "/auth/token", request);
      if (json.error === "authorization_required" || json.error === "credential_unreadable") {
        throw new AuthorizationRequiredError({
          url: String(json.authorizationUrl),
          sessionId: String(json.sessionId),
          missingScopes: (json.missingScopes as string[]) ?? [],
          expiresAt: Number(json.expiresAt),
          ...(Array.isArray(json.flows) ? { flows: json.flows as AuthorizationRequiredFlow[] } : {}),
        });
      }
      return json as unknown as GatewayToken;
    },
    requireAuth(requireOptions, handler) {
      return async (args) => {
        let token: GatewayToken;
        try {
          const account = await requireOptions.account?.(args);
          const subjectToken = await requireOptions.subjectToken?.(args);
          token = await client.getToken({
            provider: requireOptions.provider,
            ...(account === undefined ? {} : { account }),
            ...(subjectToken === undefined ? {} : { subjectToken }),
            ...(requireOptions.scopes === undefined ? {} : { scopes: requireOptions.scopes }),
          });
        } catch (error) {
          if (!(error instanceof AuthorizationRequiredError)) throw error;
          if (requireOptions.onAuthorizationRequired !== undefined) {
            return requireOptions.onAuthorizationRequired(error, args) as AuthorizationRequiredAnswer;
          }
          return authorizationRequiredToolResult(requireOptions.provider, {
            url: error.url,
            missingScopes: error.missingScopes,
            ...(error.flows === undefined ? {} : { flows: error.flows }),
            sessionId: error.sessionId,
            expiresAt: error.expiresAt,
          });
        }
        return handler(token, args);
      };
    },
    async startAuthorization(request) {
      return (await call("POST", "/auth/init", request)).json as unknown as StartedAuthorization;
    },
    async status(sessionId) {
      return (await call("GET", `/auth/status/${encodeURIComponent(sessionId)}`))
        .json as unknown as SessionStatus;
    },
    async waitForAuthorization(sessionId, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 600_000);
      for (;;) {
        const state = await client.status(sessionId);
        if (state.status !== "pending" || Date.now() >= deadline) return state;
        await new Promise((resolve) => setTimeout(resolve, waitOptions.intervalMs ?? 1000));
      }
    },
    async revoke(request) {
      return (await call("DELETE", "/auth/revoke", request)).json as unknown as RevokeResult;
    },
  };
  return client;
}
