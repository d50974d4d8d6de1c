import {
  type AccountLinks,
  type BearerJwtOptions,
  type BearerJwtVerifier,
  createBearerJwtVerifier,
  type Identity,
  InvalidTokenError,
} from "@credstack/core";
import { accountKey } from "@credstack/storage";
import type { FastifyRequest } from "fastify";
import type { FailureCounter } from "./abuse.js";
import { type ApiKeyEntry, keyAllows } from "./api-keys.js";
import type { AuditTrail } from "./audit.js";
import { HttpFailure } from "./http-errors.js";

/** Delegated identity: how the gateway verifies the end user's bearer JWT (core's bearer-JWT source). */
export interface GatewayDelegation {
  /** Issuer, audience, JWKS, algorithms, account claim of the users' tokens (core's `BearerJwtOptions`). */
  readonly bearer: BearerJwtOptions;
  /** Identity → accounts (primary + linked). @default each identity's own account only */
  readonly accountLinks?: AccountLinks;
}

/** Who a request acts for: the key, the account it may use, the verified identity (delegated). @internal */
export interface Access {
  readonly key: ApiKeyEntry;
  readonly account: string;
  readonly identity?: Identity;
}

/** Decides, per request, which account a key may act for. @internal */
export interface AccessControl {
  /**
   * The access of `key` to `provider`: for a delegated key (or when `subjectToken` is given) the account
   * comes from the verified token (the requested one must be the identity's primary or a linked account);
   * otherwise the requested account, inside the key's grant.
   * @throws HttpFailure 400/401/403, after an audit event
   */
  check(
    request: FastifyRequest,
    key: ApiKeyEntry,
    provider: string,
    requested: string | undefined,
    subjectToken?: string,
  ): Promise<Access>;
  /** The accounts a delegated request may read (primary first), after verifying its subject token. */
  identityOf(request: FastifyRequest, key: ApiKeyEntry, subjectToken?: string): Promise<Identity | undefined>;
  /** Whether delegation is configured. */
  readonly delegation: boolean;
}

/** The bearer token of an `Authorization: Bearer` header. @internal */
export function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
  return match === null ? undefined : (match[1] as string);
}

/** @internal */
export function accessControl(
  delegation: GatewayDelegation | undefined,
  audit: AuditTrail,
  failures: FailureCounter,
  clock: () => number,
): AccessControl {
  const verifier: BearerJwtVerifier | undefined =
    delegation === undefined ? undefined : createBearerJwtVerifier(delegation.bearer);
  // The verifier remembers verified tokens until their exp (core's verifiedCacheMs): a caller presents the
  // same user token on every call, and a signature check per request would dominate the cached path.
  const verify = (token: string): Promise<Identity> => (verifier as BearerJwtVerifier).verify(token, clock());

  const refuse = (
    key: ApiKeyEntry,
    status: number,
    error: string,
    message: string,
    details: { provider?: string; account?: string; identity?: string } = {},
  ): never => {
    audit.emit({ type: "access_refused", keyId: key.id, reason: error, ...details });
    throw new HttpFailure(status, error, message);
  };

  async function identityOf(request: FastifyRequest, key: ApiKeyEntry, subjectToken?: string) {
    if (key.mode !== "delegated" && subjectToken === undefined) return undefined;
    const token = subjectToken ?? bearerOf(request);
    if (verifier === undefined) {
      return refuse(
        key,
        400,
        "delegation_not_configured",
        "This gateway has no delegated identity configured.",
      );
    }
    if (token === undefined) {
      failures.fail(request.ip, clock());
      return refuse(
        key,
        401,
        "subject_token_required",
        "This API key is delegated: send the end user's bearer token (Authorization: Bearer).",
      );
    }
    try {
      return await verify(token);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      failures.fail(request.ip, clock());
      return refuse(key, 401, "invalid_subject_token", error.message);
    }
  }

  return {
    delegation: verifier !== undefined,
    identityOf,
    async check(request, key, provider, requested, subjectToken) {
      // Service and unrestricted keys without a subject token have no identity: no await for it.
      const identity =
        key.mode !== "delegated" && subjectToken === undefined
          ? undefined
          : await identityOf(request, key, subjectToken);
      let account: string | undefined = requested;
      if (identity !== undefined) {
        const links = (await delegation?.accountLinks?.get(identity.id)) ?? {
          primary: identity.account,
          linked: [],
        };
        const wanted = requested === undefined ? undefined : accountKey(requested);
        account =
          wanted === undefined
            ? links.primary
            : [links.primary, ...links.linked].find((candidate) => accountKey(candidate) === wanted);
        if (account === undefined) {
          return refuse(
            key,
            403,
            "account_not_allowed",
            "The requested account is not one the user's identity may use (primary or linked).",
            { provider, identity: identity.id, ...(requested === undefined ? {} : { account: requested }) },
          );
        }
      }
      if (account === undefined) {
        throw new HttpFailure(400, "invalid_request", "The request body is invalid.", [
          "account: required for this API key",
        ]);
      }
      if (!keyAllows(key, provider, account)) {
        return refuse(key, 403, "access_denied", "This API key may not use this account or provider.", {
          provider,
          account,
          ...(identity === undefined ? {} : { identity: identity.id }),
        });
      }
      return { key, account, ...(identity === undefined ? {} : { identity }) };
    },
  };
}
