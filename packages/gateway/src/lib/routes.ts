import { AuthorizationFailedError, type Authorizer, type Refresher, type Resolver } from "@credstack/core";
import { hasCode } from "@credstack/errors";
import type { CredentialStore } from "@credstack/storage";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { GatewayProvider } from "../gateway.js";
import type { Access, AccessControl } from "./access.js";
import { type ApiKeyEntry, keyAllows } from "./api-keys.js";
import type { AuditTrail } from "./audit.js";
import { callbackPage } from "./callback-page.js";
import type { FlowRecords } from "./flow-records.js";
import { HttpFailure, isStoreDown, isUnreadable } from "./http-errors.js";
import { apiKeySecurity, errorResponses, json } from "./openapi.js";
import { revokeAtProvider } from "./revoke.js";
import {
  accountParams,
  accountProviders,
  authorizationRequired,
  authorizationStarted,
  callbackParams,
  credentialUnreadable,
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
  /** The resolver of an API key (its authorization flows are shared and capped per key). */
  resolverOf(key: ApiKeyEntry): Resolver;
  readonly refresher: Refresher;
  /** The authorizer of an API key. */
  authorizerOf(key: ApiKeyEntry): Authorizer;
  /** Finishes callbacks. */
  readonly finisher: Authorizer;
  readonly access: AccessControl;
  readonly audit: AuditTrail;
  /** Scopes every flow of a provider requests so its identity proof works (`openid email`, `user:email`). */
  identityScopes(provider: string): readonly string[];
  readonly flows: FlowRecords;
  readonly clock: () => number;
  readonly fetch: typeof fetch;
  readonly version: string;
  apiKeyOf(request: FastifyRequest): ApiKeyEntry | undefined;
}

/** The API key of an authenticated request (the onRequest hook guarantees one). */
function keyOf(context: RouteContext, request: FastifyRequest): ApiKeyEntry {
  const key = context.apiKeyOf(request);
  if (key === undefined)
    throw new HttpFailure(401, "invalid_api_key", "A valid X-API-Key header is required.");
  return key;
}

/** Validates a non-2xx answer against its schema before sending it (2xx: the route's serializer does). */
function send<T>(reply: FastifyReply, schema: z.ZodType<T>, value: T, status = 200): FastifyReply {
  return reply.code(status).send(schema.parse(value));
}

const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });

/** What `/auth/token` and the token exchange share: resolve for an access, starting flows as needed. @internal */
export type TokenOutcome =
  | { kind: "token"; accessToken: string; expiresAt?: number; scopes: string[]; account: string }
  | {
      kind: "authorization_required" | "credential_unreadable";
      reasons: string[];
      started: Awaited<ReturnType<ReturnType<typeof flowStarter>>>;
    };

/** Opens (or reuses) the session of a started flow. @internal */
function flowStarter(context: RouteContext) {
  return async (
    access: Access,
    provider: string,
    flowList: readonly { flow: string; url: string; transactionId: string; scopes: readonly string[] }[],
    missingScopes: readonly string[],
  ) => {
    const first = flowList[0];
    if (first === undefined) throw new Error("no authorization flow");
    const session = await context.flows.openSession(first.transactionId, {
      provider,
      account: access.account,
      apiKeyId: access.key.id,
    });
    if (session === undefined) throw new Error("the pending authorization vanished");
    context.audit.emit({
      type: "authorization_started",
      keyId: access.key.id,
      provider,
      account: access.account,
      scopes: [...missingScopes],
      ...(access.identity === undefined ? {} : { identity: access.identity.id }),
    });
    return {
      sessionId: session.id,
      authorizationUrl: first.url,
      expiresAt: session.expiresAt,
      missingScopes: [...missingScopes],
      flows: flowList.map(({ flow, url, scopes }) => ({ flow, url, scopes: [...scopes] })),
    };
  };
}

/** Resolves a token for `access` (the route and the token exchange). @internal */
export async function tokenFor(
  context: RouteContext,
  access: Access,
  provider: string,
  names: readonly string[],
  forceRefresh: boolean,
): Promise<TokenOutcome> {
  const identityScopes = context.identityScopes(provider);
  const scopes = identityScopes.length === 0 ? names : [...names, ...identityScopes];
  let result: Awaited<ReturnType<Resolver["resolve"]>>;
  try {
    result = await context.resolverOf(access.key).resolve({
      provider,
      account: access.account,
      scopes,
      ...(forceRefresh ? { forceRefresh: true } : {}),
    });
  } catch (error) {
    if (!isUnreadable(error)) throw error;
    // The stored record cannot be read (tampered, corrupt, key gone): re-authorizing replaces it.
    context.audit.emit({
      type: "credential_unreadable",
      keyId: access.key.id,
      provider,
      account: access.account,
      reason: (error as { code: string }).code,
    });
    const config = context.providers[provider] as GatewayProvider;
    const begun = await context.authorizerOf(access.key).begin({
      provider,
      account: access.account,
      scopes: canonicalScopes(provider, config, scopes),
      grantedScopes: [],
    });
    return {
      kind: "credential_unreadable",
      reasons: ["the stored credential cannot be read"],
      started: await flowStarter(context)(access, provider, begun.flows, begun.missingScopes),
    };
  }
  if (result.kind === "token") {
    context.audit.emit({
      type: "token_served",
      keyId: access.key.id,
      provider,
      account: result.account,
      scopes: [...result.scopes],
      ...(access.identity === undefined ? {} : { identity: access.identity.id }),
    });
    return {
      kind: "token",
      accessToken: result.accessToken,
      ...(result.expiresAt === undefined ? {} : { expiresAt: result.expiresAt }),
      scopes: [...result.scopes],
      account: result.account,
    };
  }
  if (result.kind === "authorization_required") {
    return {
      kind: "authorization_required",
      reasons: [...result.reasons],
      started: await flowStarter(context)(access, provider, result.flows, result.missingScopes),
    };
  }
  throw new HttpFailure(500, "internal_error", `The resolver answered ${result.error}.`);
}

/** Registers the endpoints. @internal */
export function registerRoutes(fastify: FastifyInstance, context: RouteContext): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { store, providers, refresher, flows, clock, access, audit } = context;
  const startedFlow = flowStarter(context);

  const providerOf = (slug: string): GatewayProvider => {
    const config = Object.hasOwn(providers, slug) ? providers[slug] : undefined;
    if (config === undefined)
      throw new HttpFailure(404, "unknown_provider", "No such provider is configured.");
    return config;
  };
  const keyIdOf = (request: FastifyRequest): string => context.apiKeyOf(request)?.id ?? "";

  app.post(
    "/auth/init",
    {
      schema: {
        summary: "Start an authorization (authorization code + PKCE) for an account.",
        security: apiKeySecurity,
        body: initRequest,
        response: {
          200: json(authorizationStarted, "The URL to open and the session to poll."),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const config = providerOf(body.provider);
      const granted = await access.check(request, keyOf(context, request), body.provider, body.account);
      const scopes = canonicalScopes(body.provider, config, [
        ...(body.scopes ?? config.defaultScopes ?? []),
        ...context.identityScopes(body.provider),
      ]);
      let existing: Awaited<ReturnType<Refresher["read"]>>;
      try {
        existing = await refresher.read({ provider: body.provider, account: granted.account });
      } catch (error) {
        if (!isUnreadable(error)) throw error;
        audit.emit({
          type: "credential_unreadable",
          keyId: granted.key.id,
          provider: body.provider,
          account: granted.account,
          reason: (error as { code: string }).code,
        });
        existing = undefined;
      }
      const started = await context.authorizerOf(granted.key).begin({
        provider: body.provider,
        account: granted.account,
        scopes,
        grantedScopes: existing?.scopes ?? [],
      });
      const answer = await startedFlow(granted, body.provider, started.flows, started.missingScopes);
      return reply.send(answer);
    },
  );

  app.post(
    "/auth/token",
    {
      schema: {
        summary: "A valid access token for the account, refreshed through the resolver when needed.",
        security: apiKeySecurity,
        body: tokenRequest,
        response: {
          200: json(tokenResponse, "A usable access token."),
          ...errorResponses,
          403: json(
            authorizationRequired,
            "The user must authorize (again, or more scopes); or access_denied / account_not_allowed (Error shape).",
          ),
          409: json(credentialUnreadable, "The stored credential cannot be read: authorize again."),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const config = providerOf(body.provider);
      const granted = await access.check(request, keyOf(context, request), body.provider, body.account);
      const outcome = await tokenFor(
        context,
        granted,
        body.provider,
        body.scopes ?? config.defaultScopes ?? [],
        body.forceRefresh === true,
      );
      if (outcome.kind === "token") {
        return reply.send({
          accessToken: outcome.accessToken,
          tokenType: "Bearer",
          ...(outcome.expiresAt === undefined ? {} : { expiresAt: outcome.expiresAt }),
          scopes: outcome.scopes,
          account: outcome.account,
        });
      }
      if (outcome.kind === "credential_unreadable") {
        return send(
          reply,
          credentialUnreadable,
          {
            error: "credential_unreadable",
            message:
              "The stored credential cannot be read (tampered or sealed under a missing key): the user must authorize again at authorizationUrl.",
            ...outcome.started,
          },
          409,
        );
      }
      return send(
        reply,
        authorizationRequired,
        {
          error: "authorization_required",
          message: "The user must authorize: open authorizationUrl, then poll /auth/status/{sessionId}.",
          reasons: outcome.reasons,
          ...outcome.started,
        },
        403,
      );
    },
  );

  app.get(
    "/auth/status/:sessionId",
    {
      schema: {
        summary: "The state of an authorization session (only for the API key that started it).",
        security: apiKeySecurity,
        params: sessionParams,
        response: { 200: json(sessionStatus, "The session."), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { sessionId } = request.params;
      const session = await flows.readSession(sessionId);
      if (session === undefined || session.apiKeyId !== keyIdOf(request)) {
        throw new HttpFailure(404, "unknown_session", "No such session (or it belongs to another API key).");
      }
      const expired = session.status === "pending" && session.expiresAt <= clock();
      return reply.send({
        sessionId: session.id,
        status: expired ? "expired" : session.status,
        provider: session.provider,
        ...(session.account === undefined ? {} : { account: session.account }),
        ...(session.scopes === undefined ? {} : { scopes: [...session.scopes] }),
        expiresAt: session.expiresAt,
        ...(session.error === undefined ? {} : { error: session.error }),
      });
    },
  );

  app.get(
    "/auth/providers/:account",
    {
      schema: {
        summary: "The configured providers this account has a stored credential for (never tokens).",
        security: apiKeySecurity,
        params: accountParams,
        response: { 200: json(accountProviders, "The account's credentials."), ...errorResponses },
      },
    },
    async (request, reply) => {
      const params = request.params;
      const key = keyOf(context, request);
      let account = params.account;
      const identity = await access.identityOf(request, key);
      if (identity !== undefined) {
        // Delegated: the path must name one of the identity's accounts (checked against any provider).
        const first = Object.keys(providers).find(
          (provider) => key.providers === undefined || key.providers.includes(provider),
        );
        account = first === undefined ? account : (await access.check(request, key, first, account)).account;
      }
      const allowed = Object.keys(providers).filter((provider) => keyAllows(key, provider, account));
      if (allowed.length === 0 && !(key.mode === "unrestricted" && key.providers === undefined)) {
        audit.emit({ type: "access_refused", keyId: key.id, account, reason: "access_denied" });
        throw new HttpFailure(403, "access_denied", "This API key may not use this account or provider.");
      }
      const unreadable: string[] = [];
      const found = await Promise.all(
        allowed.map(async (provider) => {
          try {
            return await store.get({ provider, account });
          } catch (error) {
            if (!isUnreadable(error)) throw error;
            unreadable.push(provider);
            audit.emit({
              type: "credential_unreadable",
              keyId: key.id,
              provider,
              account,
              reason: (error as { code: string }).code,
            });
            return undefined;
          }
        }),
      );
      return reply.send({
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
        ...(unreadable.length === 0 ? {} : { unreadable: unreadable.sort() }),
      });
    },
  );

  app.delete(
    "/auth/revoke",
    {
      schema: {
        summary: "Revokes the credential at the provider (RFC 7009) and deletes it from the store.",
        security: apiKeySecurity,
        body: revokeRequest,
        response: { 200: json(revokeResponse, "What was deleted and revoked."), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const config = providerOf(body.provider);
      const granted = await access.check(request, keyOf(context, request), body.provider, body.account);
      const key = { provider: body.provider, account: granted.account };
      audit.emit({
        type: "revoke",
        keyId: granted.key.id,
        provider: body.provider,
        account: granted.account,
        ...(granted.identity === undefined ? {} : { identity: granted.identity.id }),
      });
      let providerRevocation: "revoked" | "not_supported" | "failed" | "nothing_to_revoke" =
        "nothing_to_revoke";
      // Revoke, then compare-and-delete; a refresh in between (rotated token) makes us revoke the new one too.
      for (let attempt = 0; attempt < 3; attempt++) {
        let record: Awaited<ReturnType<CredentialStore["get"]>>;
        try {
          record = await store.get(key);
        } catch (error) {
          if (!isUnreadable(error)) throw error;
          // Unreadable: nothing to revoke at the provider; delete the record so the user can authorize again.
          const deleted = await store.delete(key);
          refresher.remember(key, undefined);
          return reply.send({ deleted, providerRevocation: "nothing_to_revoke" });
        }
        if (record === undefined) break;
        providerRevocation = await revokeAtProvider(config, record, context.fetch);
        try {
          const deleted = await store.delete(key, { expectedVersion: record.version });
          refresher.remember(key, undefined);
          return reply.send({ deleted, providerRevocation });
        } catch (error) {
          if (!hasCode(error, "ERR_VERSION_CONFLICT")) throw error;
        }
      }
      refresher.remember(key, undefined);
      return reply.send({ deleted: false, providerRevocation });
    },
  );

  app.get(
    "/health",
    {
      config: { public: true, rateLimit: false },
      schema: {
        summary: "Liveness and store reachability. No API key.",
        response: {
          200: json(healthResponse, "The gateway and its store are up."),
          503: json(healthResponse, "The store is unavailable."),
        },
      },
    },
    async (_request, reply) => {
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
    },
  );

  app.get(
    "/openapi.json",
    {
      schema: {
        summary: "This document.",
        security: apiKeySecurity,
        response: { 200: json(z.record(z.string(), z.unknown()), "OpenAPI 3.1.") },
      },
    },
    async (_request, reply) => reply.send(fastify.swagger() as unknown as Record<string, unknown>),
  );
}

/** Registers the provider's redirect target (an HTML page; the caller's scope adds helmet). @internal */
export function registerCallback(fastify: FastifyInstance, context: RouteContext): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { providers, finisher, flows, audit } = context;
  app.get(
    "/auth/callback/:provider",
    {
      config: { public: true },
      schema: {
        summary: "The provider's redirect target; finishes the flow and shows an HTML page. No API key.",
        params: callbackParams,
        response: { 200: html("Authorization complete (HTML)."), 400: html("Authorization failed (HTML).") },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const params = new URL(request.url, "http://gateway.invalid").searchParams;
      const state = params.get("state");
      const page = (status: number, html: string) =>
        (reply as FastifyReply).code(status).type("text/html; charset=utf-8").send(html);
      let link: Awaited<ReturnType<typeof flows.sessionOf>>;
      try {
        link = state === null ? undefined : await flows.sessionOf(state);
      } catch (error) {
        if (!isStoreDown(error)) throw error;
        request.log.error({ code: (error as { code?: unknown }).code }, "callback: store unavailable");
        return page(503, callbackPage({ ok: false, reason: "store_unavailable" }));
      }
      if (!Object.hasOwn(providers, provider) || (link !== undefined && link.provider !== provider)) {
        return page(400, callbackPage({ ok: false, reason: "unknown provider" }));
      }
      const session =
        link === undefined ? undefined : await flows.readSession(link.sessionId).catch(() => undefined);
      const details = {
        provider,
        ...(session === undefined ? {} : { keyId: session.apiKeyId }),
        ...(session?.account === undefined ? {} : { account: session.account }),
      };
      try {
        const record = await finisher.handleCallback(params);
        if (link !== undefined) {
          await flows.finishSession(link.sessionId, {
            status: "completed",
            account: record.account,
            scopes: [...record.scopes],
          });
        }
        audit.emit({
          type: "authorization_completed",
          ...details,
          account: record.account,
          scopes: [...record.scopes],
        });
        return page(200, callbackPage({ ok: true, provider }));
      } catch (error) {
        const refused = error instanceof AuthorizationFailedError;
        const reason = refused ? error.reason : isStoreDown(error) ? "store_unavailable" : "internal_error";
        if (!refused) request.log.error({ code: (error as { code?: unknown }).code }, "callback failed");
        audit.emit({ type: "authorization_refused", ...details, reason });
        // Only a refusal that consumed the flow (the code was redeemed) ends the session; a forged or
        // failed callback leaves the genuine flow, and its session, pending.
        const consumed =
          refused && link !== undefined && state !== null && !(await flows.has?.(state).catch(() => true));
        if (consumed && link !== undefined) {
          await flows.finishSession(link.sessionId, { status: "failed", error: reason }).catch(() => {});
        }
        return page(refused ? 400 : isStoreDown(error) ? 503 : 500, callbackPage({ ok: false, reason }));
      }
    },
  );
}
