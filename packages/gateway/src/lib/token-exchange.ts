import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { HttpFailure } from "./http-errors.js";
import { json } from "./openapi.js";
import { type RouteContext, tokenFor } from "./routes.js";
import {
  accessTokenType,
  errorResponse,
  oauthErrorResponse,
  providerResourcePrefix,
  tokenExchangeRequest,
  tokenExchangeResponse,
} from "./schemas.js";

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

/** The RFC 6749 error of a form that fails its schema, checked in RFC 8693's order. */
function formError(failed: { validation?: readonly { instancePath: string }[] }): [string, string] {
  const fields = new Set((failed.validation ?? []).map((issue) => issue.instancePath.split("/")[1] ?? ""));
  if (fields.has("grant_type") || fields.has(""))
    return ["unsupported_grant_type", "Only token exchange (RFC 8693) is supported."];
  if (fields.has("subject_token") || fields.has("subject_token_type"))
    return ["invalid_request", "subject_token and a JWT subject_token_type are required."];
  if (fields.has("requested_token_type")) return ["invalid_request", "Only access tokens can be requested."];
  return ["invalid_request", "The token request is invalid."];
}

/**
 * Registers `POST /oauth/token`: OAuth 2.0 Token Exchange (RFC 8693). The caller authenticates with its
 * API key (HTTP Basic `client_id`=key id, `client_secret`=key, or `X-API-Key`) and exchanges the end
 * user's token (`subject_token`, verified like a delegated request) for that user's provider access
 * token: `resource=urn:credstack:provider:<slug>` (or `audience=<slug>`) and `scope` (space separated
 * provider scopes; default the provider's `defaultScopes`).
 * @internal
 */
export function registerTokenExchange(fastify: FastifyInstance, context: RouteContext): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  app.post(
    "/oauth/token",
    {
      config: { clientAuth: true },
      // The form's problems answer RFC 6749 errors (below), not the gateway's invalid_request.
      attachValidation: true,
      schema: {
        summary:
          "OAuth 2.0 Token Exchange (RFC 8693): the user's token (subject_token) for their provider token (resource urn:credstack:provider:<slug>). Client authentication: HTTP Basic (key id, key) or X-API-Key.",
        consumes: ["application/x-www-form-urlencoded"],
        body: tokenExchangeRequest,
        response: {
          200: json(tokenExchangeResponse, "access_token, issued_token_type, token_type, expires_in, scope."),
          400: json(
            oauthErrorResponse,
            "RFC 6749 error: invalid_request, invalid_grant, invalid_target, unsupported_grant_type.",
          ),
          401: json(errorResponse, "invalid_client / invalid_api_key."),
          403: json(
            oauthErrorResponse,
            "authorization_required (authorization_url, session_id) or unauthorized_client.",
          ),
        },
      },
    },
    async (request, reply) => {
      const key = context.apiKeyOf(request);
      if (key === undefined) throw new HttpFailure(401, "invalid_client", "Client authentication failed.");
      if (request.validationError !== undefined) {
        const [code, description] = formError(request.validationError);
        return oauthError(reply, 400, code, description);
      }
      const body = request.body;
      const subjectToken = body.subject_token;
      // An empty optional field is an absent one (form encoders send `resource=`).
      const resource = body.resource || undefined;
      const provider = resource?.startsWith(providerResourcePrefix)
        ? resource.slice(providerResourcePrefix.length)
        : body.audience || undefined;
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
      const scope = body.scope || undefined;
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
    },
  );
}
