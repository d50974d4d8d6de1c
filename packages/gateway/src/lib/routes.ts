import { AuthorizationFailedError, type Authorizer, type Refresher, type Resolver } from "@credstack/core";
import type { CredentialStore } from "@credstack/storage";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { GatewayProvider } from "../gateway.js";
import type { Access, AccessControl } from "./access.js";
import { type ApiKeyEntry, keyAllows } from "./api-keys.js";
import type { AuditTrail } from "./audit.js";
import { callbackPage } from "./callback-page.js";
import type { FlowRecords } from "./flow-records.js";
import { HttpFailure, isStoreDown, isUnreadable, parseRequest } from "./http-errors.js";
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
  readonly openApi: Record<string, unknown>;
  apiKeyOf(request: FastifyRequest): ApiKeyEntry | undefined;
}

/** The API key of an authenticated request (the onRequest hook guarantees one). */
function keyOf(context: RouteContext, request: FastifyRequest): ApiKeyEntry {
  const key = context.apiKeyOf(request);
  if (key === undefined)
    throw new HttpFailure(401, "invalid_api_key", "A valid X-API-Key header is required.");
  return key;
}

/** Validates an answer against its schema before sending it (a mismatch is a bug: 500). */
function send<T>(reply: FastifyReply, schema: z.ZodType<T>, value: T, status = 200): FastifyReply {
  return reply.code(status).send(schema.parse(value));
}

const isConflict = (error: unknown) => (error as { code?: unknown })?.code === "ERR_VERSION_CONFLICT";

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
  const startedFlow = flowStarter(context);
  const scopes = [...names, ...context.identityScopes(provider)];
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
      started: await startedFlow(access, provider, begun.flows, begun.missingScopes),
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
      started: await startedFlow(access, provider, result.flows, result.missingScopes),
    };
  }
  throw new HttpFailure(500, "internal_error", `The resolver answered ${result.error}.`);
}

/** Registers the endpoints. @internal */
export function registerRoutes(app: FastifyInstance, context: RouteContext): void {
  const { store, providers, refresher, flows, clock, access, audit } = context;
  const startedFlow = flowStarter(context);

  const providerOf = (slug: string): GatewayProvider => {
    const config = Object.hasOwn(providers, slug) ? providers[slug] : undefined;
    if (config === undefined)
      throw new HttpFailure(404, "unknown_provider", "No such provider is configured.");
    return config;
  };
  const keyIdOf = (request: FastifyRequest): string => context.apiKeyOf(request)?.id ?? "";

  app.post("/auth/init", async (request, reply) => {
    const body = parseRequest(initRequest, request.body);
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
    return send(reply, authorizationStarted, answer);
  });

  app.post("/auth/token", async (request, reply) => {
    const body = parseRequest(tokenRequest, request.body);
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
      return send(reply, tokenResponse, {
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
    const params = parseRequest(accountParams, request.params, "path");
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
      ...(unreadable.length === 0 ? {} : { unreadable: unreadable.sort() }),
    });
  });

  app.delete("/auth/revoke", async (request, reply) => {
    const body = parseRequest(revokeRequest, request.body);
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
        return send(reply, revokeResponse, { deleted, providerRevocation: "nothing_to_revoke" });
      }
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
  const { providers, finisher, flows, audit } = context;
  app.get("/auth/callback/:provider", { config: { public: true } }, async (request, reply) => {
    const { provider } = parseRequest(callbackParams, request.params, "path");
    const params = new URL(request.url, "http://gateway.invalid").searchParams;
    const state = params.get("state");
    const page = (status: number, html: string) =>
      reply.code(status).type("text/html; charset=utf-8").send(html);
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
  });
}
