import { z } from "zod";
import {
  accountProviders,
  authorizationFlow,
  authorizationRequired,
  authorizationStarted,
  credentialUnreadable,
  errorResponse,
  healthResponse,
  initRequest,
  revokeRequest,
  revokeResponse,
  sessionStatus,
  tokenRequest,
  tokenResponse,
} from "./schemas.js";

const components = {
  InitRequest: initRequest,
  AuthorizationFlow: authorizationFlow,
  AuthorizationStarted: authorizationStarted,
  TokenRequest: tokenRequest,
  TokenResponse: tokenResponse,
  AuthorizationRequired: authorizationRequired,
  CredentialUnreadable: credentialUnreadable,
  SessionStatus: sessionStatus,
  AccountProviders: accountProviders,
  RevokeRequest: revokeRequest,
  RevokeResponse: revokeResponse,
  Health: healthResponse,
  Error: errorResponse,
} as const;

type Component = keyof typeof components;
const ref = (name: Component) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: Component, description: string) => ({
  description,
  content: { "application/json": { schema: ref(name) } },
});
const errors = {
  "400": json("Error", "The request is malformed (invalid_request, unknown_scope)."),
  "401": json(
    "Error",
    "Missing or wrong API key (invalid_api_key); delegated keys: missing or invalid user token (subject_token_required, invalid_subject_token).",
  ),
  "403": json("Error", "Outside the API key's grant (access_denied, account_not_allowed)."),
  "404": json("Error", "Unknown provider or session."),
  "429": json(
    "Error",
    "Rate limit of this API key, or of failed authentications from this address, exceeded (rate_limited; Retry-After); too_many_pending_authorizations.",
  ),
  "503": json("Error", "The store or the provider's token endpoint is unavailable."),
};
const stringParam = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  schema: { type: "string" },
  description,
});

/** The OpenAPI 3.1 document of the gateway, generated from the same zod schemas that validate requests. @internal */
export function openApiDocument(version: string): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas;
  const schemas: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(generated)) {
    const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
    schemas[id] = rest;
  }
  const secured = { security: [{ apiKey: [] }] };
  return {
    openapi: "3.1.0",
    info: {
      title: "credstack gateway",
      version,
      description:
        "Authorizes users with OAuth providers, stores and refreshes their credentials, and hands valid access tokens to services holding an API key.",
    },
    components: {
      schemas,
      securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "x-api-key" } },
    },
    paths: {
      "/auth/init": {
        post: {
          ...secured,
          summary: "Start an authorization (authorization code + PKCE) for an account.",
          requestBody: { required: true, content: { "application/json": { schema: ref("InitRequest") } } },
          responses: {
            "200": json("AuthorizationStarted", "The URL to open and the session to poll."),
            ...errors,
          },
        },
      },
      "/auth/callback/{provider}": {
        get: {
          summary: "The provider's redirect target; finishes the flow and shows an HTML page. No API key.",
          parameters: [stringParam("provider", "The provider slug.")],
          responses: {
            "200": { description: "Authorization complete (HTML).", content: { "text/html": {} } },
            "400": { description: "Authorization failed (HTML).", content: { "text/html": {} } },
          },
        },
      },
      "/auth/status/{sessionId}": {
        get: {
          ...secured,
          summary: "The state of an authorization session (only for the API key that started it).",
          parameters: [stringParam("sessionId", "The session id.")],
          responses: { "200": json("SessionStatus", "The session."), ...errors },
        },
      },
      "/auth/token": {
        post: {
          ...secured,
          summary: "A valid access token for the account, refreshed through the resolver when needed.",
          requestBody: { required: true, content: { "application/json": { schema: ref("TokenRequest") } } },
          responses: {
            "200": json("TokenResponse", "A usable access token."),
            ...errors,
            "403": json(
              "AuthorizationRequired",
              "The user must authorize (again, or more scopes); or access_denied / account_not_allowed (Error shape).",
            ),
            "409": json("CredentialUnreadable", "The stored credential cannot be read: authorize again."),
          },
        },
      },
      "/auth/providers/{account}": {
        get: {
          ...secured,
          summary: "The configured providers this account has a stored credential for (never tokens).",
          parameters: [stringParam("account", "The account (URL-encoded).")],
          responses: { "200": json("AccountProviders", "The account's credentials."), ...errors },
        },
      },
      "/auth/revoke": {
        delete: {
          ...secured,
          summary: "Revokes the credential at the provider (RFC 7009) and deletes it from the store.",
          requestBody: { required: true, content: { "application/json": { schema: ref("RevokeRequest") } } },
          responses: { "200": json("RevokeResponse", "What was deleted and revoked."), ...errors },
        },
      },
      "/oauth/token": {
        post: {
          summary:
            "OAuth 2.0 Token Exchange (RFC 8693): the user's token (subject_token) for their provider token (resource urn:credstack:provider:<slug>). Client authentication: HTTP Basic (key id, key) or X-API-Key.",
          requestBody: {
            required: true,
            content: {
              "application/x-www-form-urlencoded": {
                schema: {
                  type: "object",
                  required: ["grant_type", "subject_token", "subject_token_type"],
                  properties: {
                    grant_type: { const: "urn:ietf:params:oauth:grant-type:token-exchange" },
                    subject_token: { type: "string" },
                    subject_token_type: { type: "string" },
                    resource: { type: "string" },
                    audience: { type: "string" },
                    scope: { type: "string" },
                    requested_token_type: { type: "string" },
                  },
                },
              },
            },
          },
          responses: {
            "200": { description: "access_token, issued_token_type, token_type, expires_in, scope." },
            "400": {
              description:
                "RFC 6749 error: invalid_request, invalid_grant, invalid_target, unsupported_grant_type.",
            },
            "401": { description: "invalid_client / invalid_api_key." },
            "403": {
              description: "authorization_required (authorization_url, session_id) or unauthorized_client.",
            },
          },
        },
      },
      "/health": {
        get: {
          summary: "Liveness and store reachability. No API key.",
          responses: {
            "200": json("Health", "The gateway and its store are up."),
            "503": json("Health", "The store is unavailable."),
          },
        },
      },
      "/openapi.json": {
        get: { ...secured, summary: "This document.", responses: { "200": { description: "OpenAPI 3.1." } } },
      },
    },
  };
}
