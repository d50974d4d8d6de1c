import { z } from "zod";

/** Provider slug as the store accepts it (`google`, `microsoft`, `github`, ...). */
const provider = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/)
  .describe("The provider slug, a key of the gateway's configured providers.");
/** The user's stable account id (usually an email); compared case-insensitively after trim. */
const account = z
  .string()
  .min(1)
  .max(1024)
  .describe("The user's account (usually an email), compared case-insensitively after trim.");
const scopeNames = z
  .array(z.string().min(1).max(256))
  .max(64)
  .describe("Scope names in any form @credstack/scopes accepts for the provider (named, group, URL).");
const epochMs = z.number().int().nonnegative();
const sessionId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{16,64}$/)
  .describe("An authorization session id, from POST /auth/init or POST /auth/token.");

/** `POST /auth/init` body. @internal */
export const initRequest = z
  .strictObject({
    provider,
    account: account
      .optional()
      .describe(
        "The account. Required for service keys; delegated keys default to the user's primary account.",
      ),
    scopes: scopeNames.optional().describe("Scopes to request. Default: the provider's defaultScopes."),
  })
  .meta({ id: "InitRequest" });

/** One authorization URL to open. @internal */
export const authorizationFlow = z
  .strictObject({
    flow: z.string().describe("`main`, or a separate flow's name (Google Photos)."),
    url: z.url().describe("The authorization URL the user opens."),
    scopes: z.array(z.string()),
  })
  .meta({ id: "AuthorizationFlow" });

/** `POST /auth/init` answer; also the body of a 403 `authorization_required` from `POST /auth/token`. @internal */
export const authorizationStarted = z
  .strictObject({
    sessionId,
    authorizationUrl: z.url().describe("The first flow's URL (usually the only one)."),
    expiresAt: epochMs.describe("The authorization must be completed before this time (epoch ms)."),
    missingScopes: z.array(z.string()).describe("The minimal set of requested scopes the credential lacks."),
    flows: z.array(authorizationFlow),
  })
  .meta({ id: "AuthorizationStarted" });

/** `POST /auth/token` body. @internal */
export const tokenRequest = z
  .strictObject({
    provider,
    account: account
      .optional()
      .describe(
        "The account. Required for service keys; delegated keys default to the user's primary account.",
      ),
    scopes: scopeNames
      .optional()
      .describe("Scopes the token must carry. Default: the provider's defaultScopes."),
    forceRefresh: z
      .boolean()
      .optional()
      .describe("Refresh even if the token looks valid (after a downstream 401). Default false."),
  })
  .meta({ id: "TokenRequest" });

/** `POST /auth/token` 200 answer. @internal */
export const tokenResponse = z
  .strictObject({
    accessToken: z.string().describe("The access token (secret)."),
    tokenType: z.literal("Bearer"),
    expiresAt: epochMs.optional().describe("When the token expires (epoch ms), when known."),
    scopes: z.array(z.string()),
    account: z.string().describe("The account as stored."),
  })
  .meta({ id: "TokenResponse" });

/** `POST /auth/token` 403 answer: the user must authorize (again, or more scopes). @internal */
export const authorizationRequired = z
  .strictObject({
    error: z.literal("authorization_required"),
    message: z.string(),
    reasons: z.array(z.string()).describe("Why, in order (secret-free)."),
    ...authorizationStarted.shape,
  })
  .meta({ id: "AuthorizationRequired" });

/** `POST /auth/token` 409 answer: the stored credential cannot be read; the user must authorize again. @internal */
export const credentialUnreadable = z
  .strictObject({
    error: z.literal("credential_unreadable"),
    message: z.string(),
    ...authorizationStarted.shape,
  })
  .meta({ id: "CredentialUnreadable" });

/** `GET /auth/status/:sessionId` answer. @internal */
export const sessionStatus = z
  .strictObject({
    sessionId,
    status: z.enum(["pending", "completed", "failed", "expired"]),
    provider,
    account: z.string().optional().describe("The account, once known."),
    scopes: z.array(z.string()).optional().describe("The granted scopes, once completed."),
    expiresAt: epochMs.describe("Pending sessions expire at this time (epoch ms)."),
    error: z.string().optional().describe("Why it failed (secret-free)."),
  })
  .meta({ id: "SessionStatus" });

/** `GET /auth/providers/:account` answer. @internal */
export const accountProviders = z
  .strictObject({
    account: z.string(),
    providers: z.array(
      z.strictObject({
        provider,
        scopes: z.array(z.string()),
        expiresAt: epochMs.optional(),
        hasRefreshToken: z.boolean(),
        authorizedAt: epochMs.describe("When the credential was first stored (epoch ms)."),
        updatedAt: epochMs,
      }),
    ),
    unreadable: z
      .array(provider)
      .optional()
      .describe(
        "Providers whose stored credential cannot be read (re-authorize, or delete it with the CLI).",
      ),
  })
  .meta({ id: "AccountProviders" });

/** `DELETE /auth/revoke` body. @internal */
export const revokeRequest = z
  .strictObject({
    provider,
    account: account
      .optional()
      .describe(
        "The account. Required for service keys; delegated keys default to the user's primary account.",
      ),
  })
  .meta({ id: "RevokeRequest" });

/** `DELETE /auth/revoke` answer. @internal */
export const revokeResponse = z
  .strictObject({
    deleted: z.boolean().describe("A stored credential existed and was deleted."),
    providerRevocation: z
      .enum(["revoked", "not_supported", "failed", "nothing_to_revoke"])
      .describe("What the provider's revocation endpoint (RFC 7009) said."),
  })
  .meta({ id: "RevokeResponse" });

/** `GET /health` answer. @internal */
export const healthResponse = z
  .strictObject({
    status: z.enum(["ok", "unavailable"]),
    store: z.enum(["ok", "unavailable"]),
    version: z.string(),
    time: epochMs,
  })
  .meta({ id: "Health" });

/** Every error answer. @internal */
export const errorResponse = z
  .strictObject({
    error: z.string().describe("A stable code: invalid_request, invalid_api_key, unknown_provider, ..."),
    message: z.string(),
    issues: z.array(z.string()).optional().describe("What is wrong with the request, for invalid_request."),
  })
  .meta({ id: "Error" });

/** Path parameters. @internal */
export const sessionParams = z.strictObject({ sessionId });
/** @internal */
export const accountParams = z.strictObject({ account });
/** @internal */
export const callbackParams = z.strictObject({ provider });

/** Zod issues as `path: problem` lines (zod's messages never echo input values). @internal */
export function issuesOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length === 0 ? "body" : issue.path.map(String).join(".");
    return `${path}: ${issue.message}`;
  });
}
