import { AuthorizationFailedError, type Authorizer, type Refresher, type Resolver } from "@credstack/core";
import type { CredentialStore } from "@credstack/storage";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { GatewayProvider } from "../gateway.js";
import type { ApiKeyEntry } from "./api-keys.js";
import { callbackPage } from "./callback-page.js";
import type { FlowRecords } from "./flow-records.js";
import { HttpFailure, parseRequest } from "./http-errors.js";
import { revokeAtProvider } from "./revoke.js";
import {
  accountParams,
  accountProviders,
  authorizationRequired,
  authorizationStarted,
  callbackParams,
  healthResponse,
  initRequest,
  revokeRequest,
  revokeResponse,
  sessionParams,
  sessionStatus,
  tokenRequest,
  tokenResponse,
} from "./schemas.js";
import { canonicalScopes } from "./scope-names.js";

/** What the routes share. @internal */
export interface RouteContext {
  readonly store: CredentialStore;
  readonly providers: Readonly<Record<string, GatewayProvider>>;
  readonly resolver: Resolver;
  readonly refresher: Refresher;
  readonly authorizer: Authorizer;
  readonly flows: FlowRecords;
  readonly clock: () => number;
  readonly fetch: typeof fetch;
  readonly version: string;
  readonly openApi: Record<string, unknown>;
  apiKeyOf(request: FastifyRequest): ApiKeyEntry | undefined;
}

/** Validates an answer against its schema before sending it (a mismatch is a bug: 500). */
function send<T>(reply: FastifyReply, schema: z.ZodType<T>, value: T, status = 200): FastifyReply {
  return reply.code(status).send(schema.parse(value));
}

const isConflict = (error: unknown) => (error as { code?: unknown })?.code === "ERR_VERSION_CONFLICT";

/** Registers the endpoints. @internal */
export function registerRoutes(app: FastifyInstance, context: RouteContext): void {
  const { store, providers, resolver, refresher, authorizer, flows, clock } = context;

  const providerOf = (slug: string): GatewayProvider => {
    const config = Object.hasOwn(providers, slug) ? providers[slug] : undefined;
    if (config === undefined)
      throw new HttpFailure(404, "unknown_provider", "No such provider is configured.");
    return config;
  };
  const keyIdOf = (request: FastifyRequest): string => context.apiKeyOf(request)?.id ?? "";

  async function startedFlow(
    request: FastifyRequest,
    provider: string,
    account: string,
    flowList: readonly { flow: string; url: string; transactionId: string; scopes: readonly string[] }[],
    missingScopes: readonly string[],
  ) {
    const first = flowList[0];
    if (first === undefined) throw new Error("no authorization flow");
    const session = await flows.openSession(first.transactionId, {
      provider,
      account,
      apiKeyId: keyIdOf(request),
    });
    if (session === undefined) throw new Error("the pending authorization vanished");
    return {
      sessionId: session.id,
      authorizationUrl: first.url,
      expiresAt: session.expiresAt,
      missingScopes: [...missingScopes],
      flows: flowList.map(({ flow, url, scopes }) => ({ flow, url, scopes: [...scopes] })),
    };
  }

  app.post("/auth/init", async (request, reply) => {
    const body = parseRequest(initRequest, request.body);
    const config = providerOf(body.provider);
    const scopes = canonicalScopes(body.provider, config, body.scopes ?? config.defaultScopes ?? []);
    const existing = await refresher.read({ provider: body.provider, account: body.account });
    const started = await authorizer.begin({
      provider: body.provider,
      account: body.account,
      scopes,
      grantedScopes: existing?.scopes ?? [],
    });
    const answer = await startedFlow(
      request,
      body.provider,
      body.account,
      started.flows,
      started.missingScopes,
    );
    return send(reply, authorizationStarted, answer);
  });

  app.post("/auth/token", async (request, reply) => {
    const body = parseRequest(tokenRequest, request.body);
    const config = providerOf(body.provider);
    const result = await resolver.resolve({
      provider: body.provider,
      account: body.account,
      scopes: body.scopes ?? config.defaultScopes ?? [],
      ...(body.forceRefresh === true ? { forceRefresh: true } : {}),
    });
    if (result.kind === "token") {
      return send(reply, tokenResponse, {
        accessToken: result.accessToken,
        tokenType: "Bearer",
        ...(result.expiresAt === undefined ? {} : { expiresAt: result.expiresAt }),
        scopes: [...result.scopes],
        account: result.account,
      });
    }
    if (result.kind === "authorization_required") {
      const started = await startedFlow(
        request,
        body.provider,
        body.account,
        result.flows,
        result.missingScopes,
      );
      return send(
        reply,
        authorizationRequired,
        {
          error: "authorization_required",
          message: "The user must authorize: open authorizationUrl, then poll /auth/status/{sessionId}.",
          reasons: [...result.reasons],
          ...started,
        },
        403,
      );
    }
    throw new HttpFailure(500, "internal_error", `The resolver answered ${result.error}.`);
  });

  app.get("/auth/status/:sessionId", async (request, reply) => {
    const { sessionId } = parseRequest(sessionParams, request.params, "path");
    const session = await flows.readSession(sessionId);
    if (session === undefined || session.apiKeyId !== keyIdOf(request)) {
      throw new HttpFailure(404, "unknown_session", "No such session (or it belongs to another API key).");
    }
    const expired = session.status === "pending" && session.expiresAt <= clock();
    return send(reply, sessionStatus, {
      sessionId: session.id,
      status: expired ? "expired" : session.status,
      provider: session.provider,
      ...(session.account === undefined ? {} : { account: session.account }),
      ...(session.scopes === undefined ? {} : { scopes: [...session.scopes] }),
      expiresAt: session.expiresAt,
      ...(session.error === undefined ? {} : { error: session.error }),
    });
  });

  app.get("/auth/providers/:account", async (request, reply) => {
    const { account } = parseRequest(accountParams, request.params, "path");
    const found = await Promise.all(
      Object.keys(providers).map(async (provider) => store.get({ provider, account })),
    );
    return send(reply, accountProviders, {
      account,
      providers: found
        .filter((record) => record !== undefined)
        .map((record) => ({
          provider: record.provider,
          scopes: [...record.scopes],
          ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
          hasRefreshToken: record.refreshToken !== undefined,
          authorizedAt: record.createdAt,
          updatedAt: record.updatedAt,
        })),
    });
  });

  app.delete("/auth/revoke", async (request, reply) => {
    const body = parseRequest(revokeRequest, request.body);
    const config = providerOf(body.provider);
    const key = { provider: body.provider, account: body.account };
    let providerRevocation: "revoked" | "not_supported" | "failed" | "nothing_to_revoke" =
      "nothing_to_revoke";
    // Revoke, then compare-and-delete; a refresh in between (rotated token) makes us revoke the new one too.
    for (let attempt = 0; attempt < 3; attempt++) {
      const record = await store.get(key);
      if (record === undefined) break;
      providerRevocation = await revokeAtProvider(config, record, context.fetch);
      try {
        const deleted = await store.delete(key, { expectedVersion: record.version });
        refresher.remember(key, undefined);
        return send(reply, revokeResponse, { deleted, providerRevocation });
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    refresher.remember(key, undefined);
    return send(reply, revokeResponse, { deleted: false, providerRevocation });
  });

  app.get("/health", { config: { public: true, rateLimit: false } }, async (_request, reply) => {
    let storeState: "ok" | "unavailable" = "ok";
    try {
      await store.get({ provider: "credstack-gateway.health", account: "probe" });
    } catch {
      storeState = "unavailable";
    }
    return send(
      reply,
      healthResponse,
      { status: storeState, store: storeState, version: context.version, time: clock() },
      storeState === "ok" ? 200 : 503,
    );
  });

  app.get("/openapi.json", async (_request, reply) => reply.send(context.openApi));
}

/** Registers the provider's redirect target (an HTML page; the caller's scope adds helmet). @internal */
export function registerCallback(app: FastifyInstance, context: RouteContext): void {
  const { providers, authorizer, flows } = context;
  app.get("/auth/callback/:provider", { config: { public: true } }, async (request, reply) => {
    const { provider } = parseRequest(callbackParams, request.params, "path");
    const params = new URL(request.url, "http://gateway.invalid").searchParams;
    const state = params.get("state");
    const link = state === null ? undefined : await flows.sessionOf(state).catch(() => undefined);
    const page = (status: number, html: string) =>
      reply.code(status).type("text/html; charset=utf-8").send(html);
    if (!Object.hasOwn(providers, provider) || (link !== undefined && link.provider !== provider)) {
      return page(400, callbackPage({ ok: false, reason: "unknown provider" }));
    }
    try {
      const record = await authorizer.handleCallback(params);
      if (link !== undefined) {
        await flows.finishSession(link.sessionId, {
          status: "completed",
          account: record.account,
          scopes: [...record.scopes],
        });
      }
      return page(200, callbackPage({ ok: true, provider }));
    } catch (error) {
      const reason = error instanceof AuthorizationFailedError ? error.reason : "internal_error";
      if (!(error instanceof AuthorizationFailedError)) {
        request.log.error({ code: (error as { code?: unknown }).code }, "callback failed");
      }
      if (link !== undefined) {
        await flows.finishSession(link.sessionId, { status: "failed", error: reason }).catch(() => {});
      }
      return page(error instanceof AuthorizationFailedError ? 400 : 500, callbackPage({ ok: false, reason }));
    }
  });
}
