import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HttpFailure } from "./http-errors.js";
import { type RouteContext, tokenFor } from "./routes.js";

/** RFC 8693 names. @internal */
export const tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
const accessTokenType = "urn:ietf:params:oauth:token-type:access_token";
const subjectTypes = new Set([
  "urn:ietf:params:oauth:token-type:jwt",
  accessTokenType,
  "urn:ietf:params:oauth:token-type:id_token",
]);
/** `resource` naming a provider: `urn:credstack:provider:<slug>`. @internal */
export const providerResourcePrefix = "urn:credstack:provider:";

/**
 * The API key a request presents: `X-API-Key`, or (token endpoint only, `clientAuth`) HTTP Basic client
 * authentication with the key's id as `client_id` and the key as `client_secret` (RFC 6749 §2.3.1).
 * @internal
 */
export function presentedKey(request: FastifyRequest, clientAuth: boolean): string | undefined {
  const header = request.headers["x-api-key"];
  if (typeof header === "string") return header;
  if (!clientAuth) return undefined;
  const authorization = request.headers.authorization;
  if (typeof authorization !== "string" || !/^Basic /i.test(authorization)) return undefined;
  const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, "%20"));
  } catch {
    return undefined;
  }
}

/** An RFC 6749 §5.2 error, with the gateway's `message` beside `error_description`. */
function oauthError(reply: FastifyReply, status: number, error: string, description: string, extra = {}) {
  return reply.code(status).send({ error, message: description, error_description: description, ...extra });
}

const single = (body: Record<string, unknown>, name: string): string | undefined => {
  const value = body[name];
  return typeof value === "string" && value.length > 0 && value.length <= 8192 ? value : undefined;
};

/**
 * Registers `POST /oauth/token`: OAuth 2.0 Token Exchange (RFC 8693). The caller authenticates with its
 * API key (HTTP Basic `client_id`=key id, `client_secret`=key, or `X-API-Key`) and exchanges the end
 * user's token (`subject_token`, verified like a delegated request) for that user's provider access
 * token: `resource=urn:credstack:provider:<slug>` (or `audience=<slug>`) and `scope` (space separated
 * provider scopes; default the provider's `defaultScopes`).
 * @internal
 */
export function registerTokenExchange(app: FastifyInstance, context: RouteContext): void {
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  app.post("/oauth/token", { config: { clientAuth: true } }, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const key = context.apiKeyOf(request);
    if (key === undefined) throw new HttpFailure(401, "invalid_client", "Client authentication failed.");
    if (single(body, "grant_type") !== tokenExchangeGrant) {
      return oauthError(reply, 400, "unsupported_grant_type", "Only token exchange (RFC 8693) is supported.");
    }
    const subjectToken = single(body, "subject_token");
    const subjectType = single(body, "subject_token_type");
    if (subjectToken === undefined || subjectType === undefined || !subjectTypes.has(subjectType)) {
      return oauthError(
        reply,
        400,
        "invalid_request",
        "subject_token and a JWT subject_token_type are required.",
      );
    }
    const requested = single(body, "requested_token_type");
    if (requested !== undefined && requested !== accessTokenType) {
      return oauthError(reply, 400, "invalid_request", "Only access tokens can be requested.");
    }
    const resource = single(body, "resource");
    const provider = resource?.startsWith(providerResourcePrefix)
      ? resource.slice(providerResourcePrefix.length)
      : single(body, "audience");
    const config =
      provider !== undefined && Object.hasOwn(context.providers, provider)
        ? context.providers[provider]
        : undefined;
    if (provider === undefined || config === undefined) {
      return oauthError(
        reply,
        400,
        "invalid_target",
        `resource must be ${providerResourcePrefix}<configured provider>.`,
      );
    }
    const scope = single(body, "scope");
    const names = scope === undefined ? (config.defaultScopes ?? []) : scope.split(" ").filter(Boolean);
    if (names.length > 64) return oauthError(reply, 400, "invalid_scope", "Too many scopes.");
    let access: Awaited<ReturnType<typeof context.access.check>>;
    try {
      access = await context.access.check(request, key, provider, undefined, subjectToken);
    } catch (error) {
      if (!(error instanceof HttpFailure)) throw error;
      const code =
        error.status === 401
          ? "invalid_grant"
          : error.status === 403
            ? "unauthorized_client"
            : "invalid_request";
      return oauthError(reply, error.status === 401 ? 400 : error.status, code, error.message);
    }
    const outcome = await tokenFor(context, access, provider, names, false);
    if (outcome.kind !== "token") {
      return oauthError(
        reply,
        403,
        outcome.kind,
        "The user must authorize first: open authorization_url, then retry.",
        {
          authorization_url: outcome.started.authorizationUrl,
          session_id: outcome.started.sessionId,
        },
      );
    }
    const now = context.clock();
    return reply.code(200).send({
      access_token: outcome.accessToken,
      issued_token_type: accessTokenType,
      token_type: "Bearer",
      ...(outcome.expiresAt === undefined
        ? {}
        : { expires_in: Math.max(0, Math.floor((outcome.expiresAt - now) / 1000)) }),
      scope: outcome.scopes.join(" "),
    });
  });
}
