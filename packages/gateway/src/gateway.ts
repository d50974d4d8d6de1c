import { readFileSync } from "node:fs";
import {
  type Authorizer,
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  type ProviderConfig,
  type RefreshEvent,
  type Refresher,
  type RefresherOptions,
  type Resolver,
} from "@credstack/core";
import type { CredentialStore } from "@credstack/storage";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { GatewayConfigError } from "./errors.js";
import { type ApiKeyEntry, apiKeyTable } from "./lib/api-keys.js";
import { flowRecords, reservedPrefix } from "./lib/flow-records.js";
import { errorHandler, HttpFailure } from "./lib/http-errors.js";
import { openApiDocument } from "./lib/openapi.js";
import { registerCallback, registerRoutes } from "./lib/routes.js";
import { canonicalScopes } from "./lib/scope-names.js";

/** One provider the gateway serves: core's {@link ProviderConfig} plus the scopes asked for by default. */
export interface GatewayProvider extends ProviderConfig {
  /** Scope names (any form `@credstack/scopes` accepts) used when a request names none. @default [] */
  readonly defaultScopes?: readonly string[];
}

/** Rate limits: one bucket per API key (the callback is limited per client IP). */
export interface GatewayRateLimit {
  /** Requests per window for a key without its own `rateLimit`. @default 6000 */
  readonly max?: number;
  /** The window, in ms. @default 60000 */
  readonly timeWindowMs?: number;
  /**
   * An ioredis client to keep the counters in, so that all replicas share them. Without it each replica
   * counts on its own (the effective limit is then max × replicas).
   * @default undefined (in-memory counters)
   */
  readonly redis?: unknown;
}

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Where credentials, pending authorizations and their sessions live. Not closed by the gateway. */
  readonly store: CredentialStore;
  /** The providers by slug. Each `redirectUri` must point at this gateway's `/auth/callback/<slug>`. */
  readonly providers: Readonly<Record<string, GatewayProvider>>;
  /** The API keys accepted (hashes only). Without any, every endpoint but the callback and health answers 401. */
  readonly apiKeys: readonly ApiKeyEntry[];
  /** Rate limits per API key. @default { max: 6000, timeWindowMs: 60000 } */
  readonly rateLimit?: GatewayRateLimit;
  /** Refresher tuning (cache, lease, cooldown, window); see `createRefresher`. @default core's defaults */
  readonly refresh?: Pick<
    RefresherOptions,
    "cooldownMs" | "leaseTtlMs" | "leaseWaitMs" | "maxWindowMs" | "cacheMs" | "cacheEntries"
  >;
  /** How long an authorization URL stays valid. @default 600000 (10 min) */
  readonly authorizationTtlMs?: number;
  /**
   * Browser origins allowed to call the API (CORS). Off unless given: the API is for servers, and API
   * keys must never sit in a browser.
   * @default undefined (no CORS headers)
   */
  readonly corsOrigins?: readonly string[];
  /** Fastify's logger (`true`, or pino options). Query strings are never logged. @default false */
  readonly logger?: boolean | Readonly<Record<string, unknown>>;
  /** Trust `X-Forwarded-For` (behind a load balancer) for the callback's per-IP rate limit. @default false */
  readonly trustProxy?: boolean;
  /** Largest request body, in bytes. @default 16384 */
  readonly bodyLimit?: number;
  /** How often expired pending authorizations and sessions are deleted from the store; 0 disables. @default 600000 */
  readonly sweepIntervalMs?: number;
  /** Receives every refresh event (no secrets), e.g. for metrics. */
  readonly onRefreshEvent?: (event: RefreshEvent) => void;
  /** Clock. @default Date.now */
  readonly clock?: () => number;
  /** `fetch` for the providers' token and revocation endpoints. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** A gateway: the Fastify app, ready to listen or to `inject` requests in tests. */
export interface Gateway {
  /** The Fastify instance (ready). */
  readonly app: FastifyInstance;
  /** The resolver behind `POST /auth/token`. */
  readonly resolver: Resolver;
  /** Listens; returns the base URL. @default host "127.0.0.1", port 8787 */
  listen(options?: { readonly host?: string; readonly port?: number }): Promise<string>;
  /** Stops accepting requests, waits for refreshes in flight. Does not close the store. */
  close(): Promise<void>;
}

/** The package version, for `/health` and the OpenAPI document. */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

function checkOptions(options: GatewayOptions): void {
  if (options?.store === undefined) throw new GatewayConfigError("createGateway() needs a store.");
  for (const [slug, config] of Object.entries(options.providers ?? {})) {
    if (slug.startsWith(reservedPrefix)) {
      throw new GatewayConfigError(
        `Provider slug ${slug}: names starting with ${reservedPrefix} are reserved.`,
      );
    }
    // Unknown scope names fail at start-up, not on the first request.
    canonicalScopes(slug, config, config.defaultScopes ?? []);
  }
  const positive = (name: string, value: number | undefined, zero = false) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < (zero ? 0 : 1))) {
      throw new GatewayConfigError(`${name} must be a ${zero ? "non-negative" : "positive"} integer.`);
    }
  };
  positive("rateLimit.max", options.rateLimit?.max);
  positive("rateLimit.timeWindowMs", options.rateLimit?.timeWindowMs);
  positive("authorizationTtlMs", options.authorizationTtlMs);
  positive("bodyLimit", options.bodyLimit);
  positive("sweepIntervalMs", options.sweepIntervalMs, true);
}

/** Redacts query strings (the callback's `code` and `state`) from request logs. */
const requestSerializer = (request: { method: string; url: string; id: string }) => ({
  method: request.method,
  url: request.url.split("?")[0],
  id: request.id,
});

/**
 * Creates the token gateway: a Fastify app serving `POST /auth/init`, `GET /auth/callback/:provider`,
 * `GET /auth/status/:sessionId`, `POST /auth/token`, `GET /auth/providers/:account`, `DELETE /auth/revoke`,
 * `GET /health` and `GET /openapi.json`. Bodies are validated with zod both ways; API keys (SHA-256 at
 * rest, constant-time comparison) guard everything but the callback and health; one rate-limit bucket per
 * key; no CORS unless `corsOrigins`; helmet's security headers with a `default-src 'none'` CSP.
 *
 * Tokens come from core's resolver (stored credentials, refreshed single-flight and leased across
 * replicas). Pending authorizations live in the store, so any replica can receive the callback.
 *
 * @example
 * ```ts
 * import type { ProviderConfig } from "@credstack/core";
 * import type { CredentialStore } from "@credstack/storage";
 * declare const store: CredentialStore, google: ProviderConfig, hash: string; // hash: from generateApiKey()
 * const gateway = await createGateway({ store, providers: { google }, apiKeys: [{ id: "mcp", hash }] });
 * await gateway.listen({ port: 8787 });
 * ```
 * @throws GatewayConfigError (`ERR_INVALID_CONFIG`) for unusable options.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  checkOptions(options);
  const { store } = options;
  const providers = { ...options.providers };
  const clock = options.clock ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const keys = apiKeyTable(options.apiKeys ?? []);
  const version = packageVersion();
  const flows = flowRecords(store, clock);
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : { ...(options.logger === true ? {} : options.logger), serializers: { req: requestSerializer } };

  const app: FastifyInstance = Fastify({
    logger: logger as boolean | Record<string, unknown> as NonNullable<FastifyServerOptions["logger"]>,
    trustProxy: options.trustProxy === true,
    bodyLimit: options.bodyLimit ?? 16_384,
    // Accounts travel in GET /auth/providers/:account (emails reach 254 characters).
    routerOptions: { maxParamLength: 1100 },
  });
  const refresher: Refresher = createRefresher({
    store,
    providers,
    clock,
    fetch: fetchImpl,
    ...options.refresh,
    onEvent(event) {
      app.log.info({ refresh: event }, "refresh");
      options.onRefreshEvent?.(event);
    },
  });
  const authorizerOptions = {
    store,
    providers,
    transactions: flows,
    clock,
    fetch: fetchImpl,
    ...(options.authorizationTtlMs === undefined ? {} : { transactionTtlMs: options.authorizationTtlMs }),
  };
  const finisher = createAuthorizer({ ...authorizerOptions, refresher });
  // A fresh authorizer per flow: every POST /auth/init owns its transaction and the session attached to
  // it, instead of joining a pending one (core's authorizer shares pending flows per key).
  const authorizer: Authorizer = {
    begin: (request) => createAuthorizer(authorizerOptions).begin(request),
    handleCallback: (callback) => finisher.handleCallback(callback),
  };
  const resolver = createResolver({
    chain: defaultChain({ refresher, authorizer }),
    providers,
    clock,
    // The gateway's callers are services holding an API key: they name the account.
    trustAccountArgument: true,
  });

  const apiKeyOf = new WeakMap<object, ApiKeyEntry>();
  const defaultMax = options.rateLimit?.max ?? 6000;
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: "not_found", message: "No such endpoint." });
  });
  if (options.corsOrigins !== undefined && options.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...options.corsOrigins], methods: ["GET", "POST", "DELETE"] });
  }
  app.addHook("onRequest", (request, reply, done) => {
    // Tokens, sessions and the callback page must never be cached.
    reply.header("cache-control", "no-store");
    if ((request.routeOptions.config as { public?: boolean } | undefined)?.public === true) return done();
    const header = request.headers["x-api-key"];
    const key = keys.find(typeof header === "string" ? header : undefined);
    if (key === undefined) {
      return done(new HttpFailure(401, "invalid_api_key", "A valid X-API-Key header is required."));
    }
    apiKeyOf.set(request, key);
    done();
  });
  await app.register(rateLimit, {
    global: true,
    max: (request) => apiKeyOf.get(request)?.rateLimit ?? defaultMax,
    timeWindow: options.rateLimit?.timeWindowMs ?? 60_000,
    keyGenerator: (request) => {
      const key = apiKeyOf.get(request);
      return key === undefined ? `ip:${request.ip}` : `key:${key.id}`;
    },
    ...(options.rateLimit?.redis === undefined
      ? {}
      : { redis: options.rateLimit.redis, nameSpace: "credstack-gateway-rl:" }),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: "rate_limited",
      message: `Rate limit exceeded; retry in ${context.after}.`,
    }),
  });

  const routeContext = {
    store,
    providers,
    resolver,
    refresher,
    authorizer,
    flows,
    clock,
    fetch: fetchImpl,
    version,
    openApi: openApiDocument(version),
    apiKeyOf: (request: object) => apiKeyOf.get(request),
  };
  registerRoutes(app, routeContext);
  // Security headers on the HTML pages (the callback result page) only: helmet lives in its own scope,
  // so the JSON endpoints do not pay for its hooks. JSON answers get no-store (above).
  await app.register(async (pages) => {
    await pages.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'none'"],
          frameAncestors: ["'none'"],
        },
      },
      referrerPolicy: { policy: "no-referrer" },
    });
    registerCallback(pages, routeContext);
  });
  await app.ready();

  const sweepMs = options.sweepIntervalMs ?? 600_000;
  const sweeper =
    sweepMs === 0
      ? undefined
      : setInterval(() => {
          flows.sweep(clock()).catch((error: unknown) => app.log.warn({ err: error }, "sweep failed"));
        }, sweepMs).unref();

  return {
    app,
    resolver,
    async listen(listenOptions = {}) {
      return app.listen({ host: listenOptions.host ?? "127.0.0.1", port: listenOptions.port ?? 8787 });
    },
    async close() {
      if (sweeper !== undefined) clearInterval(sweeper);
      await app.close();
      await resolver.close();
    },
  };
}
