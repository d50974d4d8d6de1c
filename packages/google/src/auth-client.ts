import { Readable } from "node:stream";
import type { RequestLike, Resolver } from "@credstack/core";
import { type gaxios, OAuth2Client } from "google-auth-library";
import { GoogleConfigError } from "./errors.js";
import { type CallerTokens, callerTokens } from "./lib/caller.js";

/** Options of {@link credstackAuthClient}. */
export interface CredstackAuthClientOptions {
  /** The credstack resolver (`createResolver` of `@credstack/core`). */
  readonly resolver: Resolver;
  /** The caller's request: its verified bearer token or session names the caller. Never a user argument. */
  readonly request: RequestLike;
  /** The scopes every request needs, in any form `@credstack/scopes` accepts (`drive_read`, `drive.readonly`, groups). */
  readonly scopes: readonly string[];
  /** Selects one of the caller's linked accounts. @default the identity's primary account */
  readonly account?: string;
  /** The provider slug of the resolver's Google config. @default "google" */
  readonly provider?: string;
  /** At most one forced refresh per credential in this window, after a 401. @default 10000 */
  readonly refreshThrottleMs?: number;
}

const isStream = (data: unknown) => data instanceof Readable || data instanceof ReadableStream;

/**
 * A `google-auth-library` auth client whose tokens come from the credstack resolver for one caller. It
 * extends `OAuth2Client` (an `AuthClient`) only so that `googleapis` / `@googleapis/*` accept it as
 * `auth` in their types; none of `OAuth2Client`'s token machinery is used (its refresh, token-info and
 * revoke methods are not for this client).
 * Every request asks `resolve()` for the token (credstack's refresh, lease and rotation rules apply;
 * google-auth-library never refreshes on its own). A 401 answer triggers one forced refresh — shared by
 * every concurrent request of the credential and throttled — and one retry. A missing scope throws
 * {@link AuthorizationRequiredError} before the request is sent.
 *
 * Use {@link credstackAuthClient} to build one, or a {@link GoogleServices} factory for cached API clients.
 */
export class CredstackAuthClient extends OAuth2Client {
  readonly #tokens: CallerTokens;

  /** @internal Use {@link credstackAuthClient}. */
  constructor(tokens: CallerTokens) {
    super({ forceRefreshOnFailure: false });
    this.#tokens = tokens;
  }

  /** A current access token from the resolver. @throws AuthorizationRequiredError, CallerUnauthorizedError */
  override async getAccessToken(): Promise<{ token: string; res: null }> {
    const result = await this.#tokens.token();
    return { token: result.accessToken, res: null };
  }

  /** `Authorization: Bearer …` (plus `x-goog-user-project` when a quota project is set). */
  override async getRequestHeaders(): Promise<Headers> {
    const result = await this.#tokens.token();
    return this.addSharedMetadataHeaders(new Headers({ authorization: `Bearer ${result.accessToken}` }));
  }

  /**
   * Sends `options` with the caller's token; after a 401, one throttled forced refresh and one retry
   * (not for streamed bodies, which cannot be replayed).
   */
  override async request<T>(options: gaxios.GaxiosOptions): Promise<gaxios.GaxiosResponse<T>> {
    const first = await this.#tokens.token();
    try {
      return await this.#send<T>(options, first.accessToken);
    } catch (error) {
      const status = (error as { response?: { status?: number } })?.response?.status;
      if (status !== 401 || isStream(options.data) || isStream(options.body)) throw error;
      const next = await this.#tokens.afterUnauthorized(first);
      return this.#send<T>(options, next.accessToken);
    }
  }

  #send<T>(options: gaxios.GaxiosOptions, accessToken: string): Promise<gaxios.GaxiosResponse<T>> {
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set("authorization", `Bearer ${accessToken}`);
    this.addSharedMetadataHeaders(headers);
    if (this.apiKey !== undefined) headers.set("x-goog-api-key", this.apiKey);
    return this.transporter.request<T>({ ...options, headers });
  }
}

/** @internal The client of a bound caller (used by the service factory). */
export function authClientOf(tokens: CallerTokens): CredstackAuthClient {
  return new CredstackAuthClient(tokens);
}

/**
 * A {@link CredstackAuthClient} for one caller: pass it as `auth` to any `googleapis` /
 * `@googleapis/*` client.
 *
 * @example
 * ```ts
 * import type { RequestLike, Resolver } from "@credstack/core";
 * import { drive } from "@googleapis/drive";
 * declare const resolver: Resolver, req: RequestLike; // yours: createResolver(...), the incoming request
 * const auth = credstackAuthClient({ resolver, request: req, scopes: ["drive_read"] });
 * const files = await drive({ version: "v3", auth }).files.list();
 * ```
 */
export function credstackAuthClient(options: CredstackAuthClientOptions): CredstackAuthClient {
  if (typeof options?.resolver?.resolve !== "function") {
    throw new GoogleConfigError("credstackAuthClient: resolver must be a credstack Resolver.");
  }
  if (!Array.isArray(options.scopes))
    throw new GoogleConfigError("credstackAuthClient: scopes must be an array.");
  const request = options.request;
  return new CredstackAuthClient(
    callerTokens({
      resolver: options.resolver,
      provider: options.provider ?? "google",
      scopes: [...options.scopes],
      account: options.account,
      request: () => request,
      throttleMs: options.refreshThrottleMs ?? 10_000,
    }),
  );
}
