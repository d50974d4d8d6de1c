/**
 * `@credstack/gateway/client`: calls a credstack gateway from an MCP server (or any service) in another
 * process. No server dependencies: only `fetch`.
 *
 * @packageDocumentation
 */
import { AuthorizationRequiredError, GatewayConfigError, GatewayRequestError } from "./errors.js";

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

/** What {@link GatewayClient.getToken} asks for. */
export interface TokenRequest {
  /** The provider slug configured on the gateway (`google`). */
  readonly provider: string;
  /**
   * The user's account (usually an email). Required with a service key; with a delegated key it
   * defaults to the user's primary account and may only name one of the user's linked accounts.
   */
  readonly account?: string;
  /**
   * The end user's bearer token (delegated keys): sent as `Authorization: Bearer`; the gateway verifies
   * it and serves only that user's accounts.
   */
  readonly subjectToken?: string;
  /** Scope names the token must carry. @default the provider's defaultScopes on the gateway */
  readonly scopes?: readonly string[];
  /** Refresh even if the token looks valid (after the API answered 401). @default false */
  readonly forceRefresh?: boolean;
}

/** A usable access token. */
export interface GatewayToken {
  /** The access token (secret). */
  readonly accessToken: string;
  readonly tokenType: "Bearer";
  /** When it expires (epoch ms), when known. */
  readonly expiresAt?: number;
  readonly scopes: readonly string[];
  readonly account: string;
}

/** An authorization the user must complete. */
export interface StartedAuthorization {
  readonly sessionId: string;
  readonly authorizationUrl: string;
  readonly expiresAt: number;
  readonly missingScopes: readonly string[];
  readonly flows: readonly { flow: string; url: string; scopes: readonly string[] }[];
}

/** The state of an authorization session. */
export interface SessionStatus {
  readonly sessionId: string;
  readonly status: "pending" | "completed" | "failed" | "expired";
  readonly provider: string;
  readonly account?: string;
  readonly scopes?: readonly string[];
  readonly expiresAt: number;
  readonly error?: string;
}

/** What a tool wrapped by {@link GatewayClient.requireAuth} answers when the user must authorize. */
export interface AuthorizationRequiredAnswer {
  readonly content: readonly { readonly type: "text"; readonly text: string }[];
  readonly isError: true;
  readonly _meta: {
    readonly "credstack/authorization": {
      readonly url: string;
      readonly sessionId: string;
      readonly missingScopes: readonly string[];
    };
  };
}

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
  revoke(request: {
    provider: string;
    account?: string;
    subjectToken?: string;
  }): Promise<{ deleted: boolean; providerRevocation: string }>;
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
          return {
            content: [
              {
                type: "text",
                text: `Authorization required: open ${error.url} to grant access${
                  error.missingScopes.length > 0 ? ` (${error.missingScopes.join(" ")})` : ""
                }, then call this tool again.`,
              },
            ],
            isError: true,
            _meta: {
              "credstack/authorization": {
                url: error.url,
                sessionId: error.sessionId,
                missingScopes: error.missingScopes,
              },
            },
          };
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
      return (await call("DELETE", "/auth/revoke", request)).json as unknown as {
        deleted: boolean;
        providerRevocation: string;
      };
    },
  };
  return client;
}
