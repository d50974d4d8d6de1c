import { readFileSync } from "node:fs";
import {
  type Authorizer,
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  instrumentStore,
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
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyServerOptions } from "fastify";
import { GatewayConfigError } from "./errors.js";
import { type FailedAuthLimit, failureCounter, pendingCounter } from "./lib/abuse.js";
import { accessControl, type GatewayDelegation } from "./lib/access.js";
import { type ApiKeyEntry, apiKeyTable } from "./lib/api-keys.js";
import { type AuditEvent, auditTrail, type GatewayAuditOptions } from "./lib/audit.js";
import { flowRecords, reservedPrefix } from "./lib/flow-records.js";
import {
  answerSerializer,
  clientErrorHandler,
  errorHandler,
  frameworkErrorHandler,
  HttpFailure,
  requestValidator,
} from "./lib/http-errors.js";
import { identityScopesOf } from "./lib/identity-scopes.js";
import { type GatewayMetricsOptions, gatewayMetrics } from "./lib/metrics.js";
import { swaggerOptions } from "./lib/openapi.js";
import { type RequestLog, requestLogController } from "./lib/request-log.js";
import { registerCallback, registerRoutes } from "./lib/routes.js";
import { canonicalScopes } from "./lib/scope-names.js";
import { presentedKey, registerTokenExchange } from "./lib/token-exchange.js";

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
  /**
   * The API keys accepted (hashes only), each with its grant (`delegated`, `service` + allow-lists, or
   * `unrestricted`). Without any, every endpoint but the callback and health answers 401.
   */
  readonly apiKeys: readonly ApiKeyEntry[];
  /**
   * Delegated identity: how the end users' bearer JWTs are verified (core's bearer-JWT source options:
   * issuer, audience, JWKS, `email_verified`). Required by `delegated` keys and the token exchange.
   * @default undefined (no delegated keys)
   */
  readonly delegation?: GatewayDelegation;
  /** Failed authentications (wrong API key, invalid subject token) allowed per client address. @default { max: 20, windowMs: 60000 } */
  readonly failedAuthLimit?: FailedAuthLimit;
  /** Pending authorizations one API key may hold at once (the same flow requested again is reused). @default 100 */
  readonly maxPendingPerKey?: number;
  /** The audit trail: hook, pseudonyms. @default events to the gateway log only, accounts pseudonymised */
  readonly audit?: GatewayAuditOptions;
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
  /**
   * With a logger, which requests get a `request completed` line (method, path, status, time):
   * `"failures"` (status ≥ 400) or `"all"` (Fastify's own two lines per request). Successful requests
   * are already in the log through their audit event (`token_served`, ...); two more lines per request
   * cost about as much as the rest of a cached `POST /auth/token`.
   * @default "failures"
   */
  readonly requestLog?: RequestLog;
  /** Trust `X-Forwarded-For` (behind a load balancer) for the callback's per-IP rate limit. @default false */
  readonly trustProxy?: boolean;
  /** Largest request body, in bytes. @default 16384 */
  readonly bodyLimit?: number;
  /** How often expired pending authorizations and sessions are deleted from the store; 0 disables. @default 600000 */
  readonly sweepIntervalMs?: number;
  /** Receives every refresh event (no secrets), e.g. for metrics. */
  readonly onRefreshEvent?: (event: RefreshEvent) => void;
  /**
   * A Prometheus endpoint, `GET /metrics`, on a listener of its own (started by `listen()`): tokens
   * served, authorizations, refreshes by outcome, cache lookups, store and token-endpoint latency,
   * rate-limit refusals (docs/gateway.md, "Metrics"). Keep it on a private address.
   * @default undefined (no metrics listener)
   */
  readonly metrics?: GatewayMetricsOptions;
  /** Clock. @default Date.now */
  readonly clock?: () => number;
  /** `fetch` for the providers' token and revocation endpoints. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** A gateway: the Fastify app, ready to listen or to `inject` requests in tests. */
export interface Gateway {
  /** The Fastify instance (ready). */
  readonly app: FastifyInstance;
  /**
   * A resolver over the gateway's store, refresher and providers that trusts the account argument (no
   * grant applies: for in-process use). `POST /auth/token` uses one per API key, after the key's grant.
   */
  readonly resolver: Resolver;
  /**
   * Listens; returns the base URL. With the `metrics` option, also starts the metrics listener.
   * @default host "127.0.0.1", port 8787
   */
  listen(options?: { readonly host?: string; readonly port?: number }): Promise<string>;
  /** The Prometheus endpoint (`http://host:port/metrics`) once `listen()` started it; else `undefined`. */
  readonly metricsUrl: string | undefined;
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
    if (config.identityProof === undefined) {
      throw new GatewayConfigError(
        `Provider ${slug}: identityProof is required (how the provider proves who signed in: id_token, github, microsoft_graph, userinfo), or { method: "none" } to opt out explicitly.`,
      );
    }
    // Unknown scope names fail at start-up, not on the first request.
    canonicalScopes(slug, config, [...(config.defaultScopes ?? []), ...identityScopesOf(config)]);
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
  if (options.requestLog !== undefined && options.requestLog !== "failures" && options.requestLog !== "all") {
    throw new GatewayConfigError('requestLog must be "failures" or "all".');
  }
  positive("sweepIntervalMs", options.sweepIntervalMs, true);
  positive("maxPendingPerKey", options.maxPendingPerKey);
  positive("failedAuthLimit.max", options.failedAuthLimit?.max);
  positive("failedAuthLimit.windowMs", options.failedAuthLimit?.windowMs);
  const key = options.audit?.pseudonymKey;
  if (key !== undefined && (typeof key !== "string" || key.length < 16)) {
    throw new GatewayConfigError("audit.pseudonymKey must have at least 16 characters.");
  }
  if (options.delegation === undefined) {
    const delegated = (options.apiKeys ?? []).find((entry) => entry?.mode === "delegated");
    if (delegated !== undefined) {
      throw new GatewayConfigError(`API key ${delegated.id} is delegated: configure delegation (bearer).`);
    }
  }
}

/** Whether a (pino) logger writes info lines; loggers without `isLevelEnabled` are assumed to. */
const infoEnabled = (log: object): boolean =>
  (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.("info") !== false;

/**
 * Request logs without query strings (the callback's `code` and `state`), and with the account of
 * `/auth/providers/:account` as its audit label (pseudonym unless `audit.clearAccounts`).
 */
const requestSerializer =
  (label: (account: string) => string) => (request: { method: string; url: string; id: string }) => {
    const path = request.url.split("?")[0] ?? "";
    const match = /^\/auth\/providers\/([^/]+)$/.exec(path);
    let url = path;
    if (match !== null) {
      let account = match[1] as string;
      try {
        account = decodeURIComponent(account);
      } catch {}
      url = `/auth/providers/${label(account)}`;
    }
    return { method: request.method, url, id: request.id };
  };

/**
 * Creates the token gateway: a Fastify app serving `POST /auth/init`, `GET /auth/callback/:provider`,
 * `GET /auth/status/:sessionId`, `POST /auth/token`, `GET /auth/providers/:account`, `DELETE /auth/revoke`,
 * `GET /health` and `GET /openapi.json`. Requests are validated with zod; answers are written from the same
 * zod schemas (fast-json-stringify: declared fields only); API keys (SHA-256 at
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
 * declare const delegation: GatewayDelegation; // how your users' bearer JWTs are verified
 * const gateway = await createGateway({ store, providers: { google }, apiKeys: [{ id: "mcp", hash, mode: "delegated" }], delegation });
 * await gateway.listen({ port: 8787 });
 * ```
 * @throws GatewayConfigError (`ERR_INVALID_CONFIG`) for unusable options.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  checkOptions(options);
  const metrics = options.metrics === undefined ? undefined : gatewayMetrics(options.metrics);
  const telemetry = metrics === undefined ? {} : { meterProvider: metrics.meterProvider };
  // Every store call (routes, flows, refresher, authorizer) is traced and timed.
  const store = instrumentStore(options.store, telemetry);
  const providers = { ...options.providers };
  const clock = options.clock ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const keys = apiKeyTable(options.apiKeys ?? []);
  const version = packageVersion();
  const flows = flowRecords(store, clock);
  // The log function reads `app` when an event happens (after the app exists).
  const audit = auditTrail(
    options.audit,
    (event: AuditEvent) => {
      metrics?.observe(event);
      app.log.info({ audit: event }, "audit");
    },
    clock,
    // Nothing to build when no log line, no metric and no hook would receive the event.
    () => metrics !== undefined || (logger !== false && infoEnabled(app.log)),
  );
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : {
          ...(options.logger === true ? {} : options.logger),
          serializers: { req: requestSerializer((account) => audit.label(account)) },
        };

  const app: FastifyInstance = Fastify({
    logger: logger as boolean | Record<string, unknown> as NonNullable<FastifyServerOptions["logger"]>,
    logController: requestLogController(options.requestLog ?? "failures"),
    trustProxy: options.trustProxy === true,
    bodyLimit: options.bodyLimit ?? 16_384,
    // Accounts travel in GET /auth/providers/:account (emails reach 254 characters).
    routerOptions: { maxParamLength: 1100 },
    // Fastify's own errors (a URL it cannot decode) in the documented shape, never echoing the URL.
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  const failures = failureCounter(options.failedAuthLimit);
  const access = accessControl(options.delegation, audit, failures, clock);
  const refresher: Refresher = createRefresher({
    store,
    providers,
    clock,
    fetch: fetchImpl,
    ...options.refresh,
    ...telemetry,
    onEvent(event) {
      app.log.info({ refresh: { ...event, account: audit.label(event.account) } }, "refresh");
      audit.emit({ type: "refresh", provider: event.provider, account: event.account, reason: event.type });
      options.onRefreshEvent?.(event);
    },
  });
  const authorizerOptions = {
    store,
    providers,
    transactions: flows,
    clock,
    fetch: fetchImpl,
    ...telemetry,
    ...(options.authorizationTtlMs === undefined ? {} : { transactionTtlMs: options.authorizationTtlMs }),
  };
  const finisher = createAuthorizer({ ...authorizerOptions, refresher });
  const ttl = options.authorizationTtlMs ?? 600_000;
  const pending = pendingCounter(options.maxPendingPerKey ?? 100);
  // One authorizer view per API key: a flow requested again by the same key (same account, provider and
  // scopes) reuses the pending one and its session; new ones are capped per key.
  const authorizerOf = (key: ApiKeyEntry): Authorizer => ({
    async begin(request) {
      const flow = [request.provider, request.account ?? "", ...request.scopes].join("\u0000");
      if (pending.full(key.id, flow, clock())) {
        throw new HttpFailure(
          429,
          "too_many_pending_authorizations",
          "This API key has too many pending authorizations; complete or let some expire first.",
        );
      }
      const started = await finisher.begin({ ...request, identityId: `key:${key.id}` });
      pending.add(key.id, flow, clock() + ttl);
      return started;
    },
    handleCallback: (callback) => finisher.handleCallback(callback),
  });
  const resolverFor = (authorizer: Authorizer) =>
    createResolver({
      chain: defaultChain({ refresher, authorizer }),
      providers,
      clock,
      // The account was decided by the key's grant (service) or the verified subject token (delegated).
      trustAccountArgument: true,
      ...telemetry,
    });
  const resolvers = new Map<string, Resolver>();
  const resolverOf = (key: ApiKeyEntry): Resolver => {
    let found = resolvers.get(key.id);
    if (found === undefined) {
      found = resolverFor(authorizerOf(key));
      resolvers.set(key.id, found);
    }
    return found;
  };
  const resolver = resolverFor(finisher);

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
    // Tokens, sessions and the callback page must never be cached (nor sniffed: the onSend hook below).
    reply.header("cache-control", "no-store");
    const config = request.routeOptions.config as { public?: boolean; clientAuth?: boolean } | undefined;
    if (config?.public === true) return done();
    const now = clock();
    const key = keys.find(presentedKey(request, config?.clientAuth === true));
    // An address that failed too often gets 429 for wrong keys (no more guesses); valid keys pass.
    const blocked = key === undefined ? failures.blockedFor(request.ip, now) : 0;
    if (blocked > 0) {
      metrics?.rateLimited("failed_auth");
      reply.header("retry-after", String(blocked));
      return done(
        new HttpFailure(
          429,
          "rate_limited",
          "Too many failed authentications from this address; retry later.",
        ),
      );
    }
    if (key === undefined) {
      failures.fail(request.ip, now);
      audit.emit({ type: "key_refused", reason: "invalid_api_key" });
      return done(new HttpFailure(401, "invalid_api_key", "A valid X-API-Key header is required."));
    }
    apiKeyOf.set(request, key);
    done();
  });
  // Also on answers no onRequest hook saw (404, errors before routing).
  app.addHook("onSend", (_request, reply, payload, done) => {
    reply.header("x-content-type-options", "nosniff");
    done(null, payload);
  });
  await app.register(rateLimit, {
    global: true,
    // A number when no key has its own limit: the plugin then skips a lookup and an await per request.
    max: (options.apiKeys ?? []).some((entry) => entry?.rateLimit !== undefined)
      ? (request) => apiKeyOf.get(request)?.rateLimit ?? defaultMax
      : defaultMax,
    timeWindow: options.rateLimit?.timeWindowMs ?? 60_000,
    keyGenerator: (request) => {
      const key = apiKeyOf.get(request);
      return key === undefined ? `ip:${request.ip}` : `key:${key.id}`;
    },
    ...(options.rateLimit?.redis === undefined
      ? {}
      : { redis: options.rateLimit.redis, nameSpace: "credstack-gateway-rl:" }),
    onExceeded: () => metrics?.rateLimited("api_key"),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: "rate_limited",
      message: `Rate limit exceeded; retry in ${context.after}.`,
    }),
  });

  const identityScopes = new Map(
    Object.entries(providers).map(([slug, config]) => [
      slug,
      canonicalScopes(slug, config, identityScopesOf(config)),
    ]),
  );
  const routeContext = {
    store,
    providers,
    resolverOf,
    authorizerOf,
    finisher,
    access,
    audit,
    identityScopes: (provider: string) => identityScopes.get(provider) ?? [],
    refresher,
    flows,
    clock,
    fetch: fetchImpl,
    version,
    apiKeyOf: (request: object) => apiKeyOf.get(request),
  };
  app.setValidatorCompiler(requestValidator);
  app.setSerializerCompiler(answerSerializer);
  await app.register(swagger, swaggerOptions(version));
  registerRoutes(app, routeContext);
  registerTokenExchange(app, routeContext);
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

  let metricsUrl: string | undefined;
  return {
    app,
    resolver,
    get metricsUrl() {
      return metricsUrl;
    },
    async listen(listenOptions = {}) {
      const url = await app.listen({
        host: listenOptions.host ?? "127.0.0.1",
        port: listenOptions.port ?? 8787,
      });
      if (metrics !== undefined && metricsUrl === undefined) metricsUrl = await metrics.listen();
      return url;
    },
    async close() {
      if (sweeper !== undefined) clearInterval(sweeper);
      await app.close();
      await resolver.close();
      await metrics?.close();
    },
  };
}
