import type { RefreshEvent, RequestLike, Resolver, TokenResult } from "@credstack/core";
import { resolveScopes, type ScopeRegistry } from "@credstack/scopes";
import { LRUCache } from "lru-cache";
import { authClientOf } from "./auth-client.js";
import { GoogleConfigError } from "./errors.js";
import { type CallerTokens, callerTokens, tokenOrThrow } from "./lib/caller.js";

/** A Google API client factory as `googleapis` (`google.drive`) and `@googleapis/*` (`drive`) export them. */
// biome-ignore lint/suspicious/noExplicitAny: each API's factory takes its own options type.
export type GoogleApiFactory = (options: any) => unknown;

/** The API factories a {@link GoogleServices} builds from, by service name: `{ drive }`, or googleapis' `google`. */
export type GoogleApis = object;

/** The client type `apis[name]` builds (the last overload: the newest version's options). */
export type GoogleServiceClient<Apis, Name extends keyof Apis> = Apis[Name] extends (
  // biome-ignore lint/suspicious/noExplicitAny: matches any factory signature.
  ...args: any[]
) => infer Client
  ? Client
  : never;

/** What a tool needs: a service, its version and scopes. Build it with {@link googleService}. */
export interface GoogleServiceSpec<Name extends string = string> {
  /** The service (`drive`, `gmail`, …): a key of the factory's `apis`. */
  readonly service: Name;
  /** The API version (`v3`). */
  readonly version: string;
  /** The canonical scopes (groups and legacy names already resolved), sorted. */
  readonly scopes: readonly string[];
}

/** Options of {@link googleService}. */
export interface GoogleServiceOptions {
  /**
   * Scope names in any form `@credstack/scopes` accepts: canonical URLs, short forms (`drive.file`),
   * named scopes (`drive.readonly`), groups (`drive_basic`) and legacy names (`drive_read`).
   */
  readonly scopes: readonly string[];
  /** A registry with your own groups (`createScopeRegistry`). @default the built-in Google registry */
  readonly registry?: ScopeRegistry;
}

/**
 * Declares a Google service a tool uses. Scope names are resolved once, here: an unknown name throws
 * `UnknownScopeError` (`ERR_UNKNOWN_SCOPE`) when the tool is defined, not when it is called.
 *
 * @example
 * ```ts
 * const driveRead = googleService("drive", "v3", { scopes: ["drive_read"] });
 * ```
 */
export function googleService<Name extends string>(
  service: Name,
  version: string,
  options: GoogleServiceOptions,
): GoogleServiceSpec<Name> {
  if (typeof service !== "string" || service.length === 0 || typeof version !== "string" || version === "") {
    throw new GoogleConfigError("googleService: service and version are required.");
  }
  if (!Array.isArray(options?.scopes) || options.scopes.length === 0) {
    throw new GoogleConfigError("googleService: scopes must be a non-empty array.");
  }
  const scopes = options.registry ? options.registry.resolve(options.scopes) : resolveScopes(options.scopes);
  return Object.freeze({ service, version, scopes: Object.freeze([...scopes].sort()) });
}

/** Options of {@link createGoogleServices}. */
export interface GoogleServicesOptions<Apis extends GoogleApis> {
  /** The credstack resolver. */
  readonly resolver: Resolver;
  /** The API factories by service name: `{ drive }` from `@googleapis/drive`, or `google` from `googleapis`. */
  readonly apis: Apis;
  /** The provider slug of the resolver's Google config. @default "google" */
  readonly provider?: string;
  /** Extra options for every API factory (`rootUrl`, `http2`, `retry`, …); `version` and `auth` are set here. */
  readonly clientOptions?: Readonly<Record<string, unknown>>;
  /** Most cached clients (least recently used go first). @default 500 */
  readonly maxEntries?: number;
  /** How long a client is kept after it is built, ms. @default 1800000 (30 min) */
  readonly ttlMs?: number;
  /** At most one forced refresh per credential in this window, after a 401. @default 10000 */
  readonly refreshThrottleMs?: number;
}

/** Who asks: the request whose verified bearer token (or session) names the caller. */
export interface GoogleCaller {
  /** The incoming request (or its headers); tools never name a user. */
  readonly request?: RequestLike;
  /** Selects one of the caller's linked accounts. @default the identity's primary account */
  readonly account?: string;
}

/** What {@link GoogleServices.invalidate} drops. Every given field must match. */
export interface GoogleServicesFilter {
  /** The account whose clients go. */
  readonly account?: string;
  /** The identity (`Identity.id`) whose clients go. */
  readonly identityId?: string;
}

/** Cached, authorized Google API clients per caller. */
export interface GoogleServices<Apis extends GoogleApis> {
  /**
   * The client of `spec` for the caller: checks the scopes through `resolve()` first (no API call is
   * made when they are missing), then returns the cached client of (identity, account, service,
   * version, scopes), building it on a miss.
   * @throws AuthorizationRequiredError (`ERR_AUTHORIZATION_FAILED`) with the URL and the missing scopes
   * @throws CallerUnauthorizedError (`ERR_INVALID_TOKEN`) when the resolver refuses the caller
   */
  get<Name extends keyof Apis & string>(
    caller: GoogleCaller,
    spec: GoogleServiceSpec<Name>,
  ): Promise<GoogleServiceClient<Apis, Name>>;
  /** Drops the clients matching `filter` (all of them without one); returns how many. */
  invalidate(filter?: GoogleServicesFilter): number;
  /**
   * Pass to `createRefresher({ onEvent })`: a credential the provider revoked (`invalidated`) drops its
   * clients at once.
   */
  onRefreshEvent(event: RefreshEvent): void;
  /** Clients cached now. */
  readonly size: number;
  /** Clients built since creation (a miss builds one). */
  readonly builds: number;
}

interface Entry {
  readonly client: unknown;
  readonly tokens: CallerTokens;
  readonly identityId: string | undefined;
  readonly account: string;
  /** The credential as last seen (its scopes): a change rebuilds the client. */
  readonly fingerprint: string;
  request: RequestLike | undefined;
}

/**
 * Creates the service factory: authorized API clients cached per identity, account, service, version
 * and scope set (bounded LRU, TTL 30 minutes by default), dropped when the resolver no longer has the
 * credential (revoked, removed: authorization required) or its scopes changed. Every API request of a
 * cached client still takes its token from `resolve()` with the caller's latest request.
 *
 * @example
 * ```ts
 * import type { RequestLike, Resolver } from "@credstack/core";
 * import { drive } from "@googleapis/drive";
 * declare const resolver: Resolver, req: RequestLike; // yours: createResolver(...), the incoming request
 * const google = createGoogleServices({ resolver, apis: { drive } });
 * const client = await google.get({ request: req }, googleService("drive", "v3", { scopes: ["drive_read"] }));
 * const files = await client.files.list({ pageSize: 10 });
 * ```
 */
export function createGoogleServices<Apis extends GoogleApis>(
  options: GoogleServicesOptions<Apis>,
): GoogleServices<Apis> {
  const { resolver, apis } = options;
  if (typeof resolver?.resolve !== "function") {
    throw new GoogleConfigError("createGoogleServices: resolver must be a credstack Resolver.");
  }
  if (typeof apis !== "object" || apis === null) {
    throw new GoogleConfigError("createGoogleServices: apis must map service names to API factories.");
  }
  const provider = options.provider ?? "google";
  const maxEntries = options.maxEntries ?? 500;
  const ttlMs = options.ttlMs ?? 30 * 60_000;
  const throttleMs = options.refreshThrottleMs ?? 10_000;
  for (const [name, value] of Object.entries({ maxEntries, ttlMs })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new GoogleConfigError(`createGoogleServices: ${name} must be a positive integer.`);
    }
  }
  const cache = new LRUCache<string, Entry>({ max: maxEntries, ttl: ttlMs, ttlAutopurge: false });
  let builds = 0;

  const factoryOf = (service: string): GoogleApiFactory => {
    // googleapis' `google` has its factories on the prototype; Object's own members are never factories.
    const factory =
      typeof service === "string" && !(service in Object.prototype)
        ? (apis as Record<string, unknown>)[service]
        : undefined;
    if (typeof factory !== "function") {
      throw new GoogleConfigError(`createGoogleServices: no API factory for ${JSON.stringify(service)}.`);
    }
    return (factory as GoogleApiFactory).bind(apis);
  };

  const drop = (predicate: (entry: Entry) => boolean): number => {
    let dropped = 0;
    for (const [key, entry] of cache.entries()) {
      if (predicate(entry)) {
        cache.delete(key);
        dropped++;
      }
    }
    return dropped;
  };

  async function acquire(caller: GoogleCaller, spec: GoogleServiceSpec): Promise<Acquired> {
    const factory = factoryOf(spec?.service);
    const request = caller?.request;
    const token = tokenOrThrow(
      provider,
      await resolver.resolve({
        provider,
        scopes: spec.scopes,
        ...(request === undefined ? {} : { request }),
        ...(caller?.account === undefined ? {} : { account: caller.account }),
      }),
    );
    const identityId = token.identity?.id;
    const key = [identityId ?? "", token.account, spec.service, spec.version, ...spec.scopes].join("\u0000");
    const fingerprint = [...token.scopes].sort().join(" ");
    let entry = cache.get(key);
    if (entry !== undefined && entry.fingerprint !== fingerprint) {
      cache.delete(key);
      entry = undefined;
    }
    if (entry === undefined) {
      const bound: { entry?: Entry } = {};
      const tokens = callerTokens({
        resolver,
        provider,
        scopes: spec.scopes,
        account: token.account,
        request: () => bound.entry?.request,
        expect: { identityId, account: token.account },
        throttleMs,
        onLost: () => {
          if (cache.peek(key) === bound.entry) cache.delete(key);
        },
      });
      const auth = authClientOf(tokens);
      const client = factory({ ...options.clientOptions, version: spec.version, auth });
      entry = { client, tokens, identityId, account: token.account, fingerprint, request };
      bound.entry = entry;
      cache.set(key, entry);
      builds++;
    }
    entry.request = request;
    return { client: entry.client, tokens: entry.tokens, token };
  }

  const services: GoogleServices<Apis> = {
    async get(caller, spec) {
      return (await acquire(caller, spec)).client as GoogleServiceClient<Apis, typeof spec.service>;
    },
    invalidate(filter = {}) {
      return drop(
        (entry) =>
          (filter.account === undefined || entry.account === filter.account) &&
          (filter.identityId === undefined || entry.identityId === filter.identityId),
      );
    },
    onRefreshEvent(event) {
      if (event.provider === provider && event.type === "invalidated") {
        drop((entry) => entry.account === event.account);
      }
    },
    get size() {
      return cache.size;
    },
    get builds() {
      return builds;
    },
  };
  acquirers.set(services, acquire);
  return services;
}

/** A client with the token `resolve()` just returned for it. @internal */
export interface Acquired {
  readonly client: unknown;
  readonly tokens: CallerTokens;
  readonly token: TokenResult;
}

const acquirers = new WeakMap<object, (caller: GoogleCaller, spec: GoogleServiceSpec) => Promise<Acquired>>();

/** {@link GoogleServices.get} plus the token it resolved (for the MCP helper). @internal */
export function acquireService(
  services: object,
  caller: GoogleCaller,
  spec: GoogleServiceSpec,
): Promise<Acquired> | undefined {
  return acquirers.get(services)?.(caller, spec);
}
