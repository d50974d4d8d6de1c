import { accountKey } from "@credstack/storage";
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import { CoreConfigError, InvalidTokenError } from "../errors.js";
import { headerOf } from "../lib/headers.js";
import { notApplicable, resolved, type Source } from "../source.js";
import type { Identity } from "../types.js";

/** Options of {@link bearerJwt}. */
export interface BearerJwtOptions {
  /** The JWKS URL (fetched with jose's `createRemoteJWKSet`, cached and rate-limited by jose). */
  readonly jwksUrl?: string | URL;
  /** Or a key set function (e.g. your own `createRemoteJWKSet`); exactly one of the two. */
  readonly jwks?: JWTVerifyGetKey;
  /** Required `iss`. */
  readonly issuer: string | readonly string[];
  /** Required `aud` (one of). */
  readonly audience: string | readonly string[];
  /** Allowed `alg` values. `none` and HMAC algorithms are refused. @default ["RS256", "ES256", "EdDSA"] */
  readonly algorithms?: readonly string[];
  /** Clock skew tolerated on `exp`/`nbf`/`iat`, in seconds, at most 60. @default 30 */
  readonly clockToleranceSec?: number;
  /** The claim naming the caller's account. @default "email" (then `sub`) */
  readonly accountClaim?: string;
  /**
   * When the bearer JWT is itself an access token of this provider (issued by it for this API), it is
   * returned as the provider token if its `scope` claim covers the request.
   */
  readonly provider?: string;
  /** The claim holding the token's scopes (space separated). @default "scope" */
  readonly scopeClaim?: string;
  /**
   * How long a verified token is remembered, in milliseconds — never past its `exp` — so a caller that
   * presents the same token on every call pays for one signature check, not one per call. At most
   * 10 000 tokens are kept (the oldest go first). `0` verifies every call.
   * @default 60000
   */
  readonly verifiedCacheMs?: number;
}

/** How many verified tokens a verifier remembers at most. */
const verifiedCacheEntries = 10_000;

const defaultAlgorithms = ["RS256", "ES256", "EdDSA"] as const;

function verificationFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "the token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `claim "${error.claim}" check failed (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the signing algorithm is not allowed";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the signature is invalid";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "no key of the JWKS matches the token";
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid)
    return "the token is not a valid JWT";
  if (error instanceof joseErrors.JOSEError) return `verification failed (${error.code})`;
  return "verification failed";
}

/** Verifies bearer JWTs: what the {@link bearerJwt} source and the gateway's delegated mode share. */
export interface BearerJwtVerifier {
  /**
   * Verifies `token` at `now` (epoch ms) and returns the identity it proves.
   * @throws InvalidTokenError (`ERR_INVALID_TOKEN`) for an invalid, expired or unverified-email token.
   */
  verify(token: string, now: number): Promise<Identity>;
}

/**
 * Creates the verifier behind {@link bearerJwt}: `iss`, `aud`, `exp`, `sub` required, algorithm allow-list,
 * clock tolerance ≤ 60 s, and a token whose `email_verified` claim is present but not `true` is refused.
 * @throws CoreConfigError for unusable options.
 */
export function createBearerJwtVerifier(options: BearerJwtOptions): BearerJwtVerifier {
  const algorithms = [...(options.algorithms ?? defaultAlgorithms)];
  if (algorithms.length === 0) throw new CoreConfigError("bearerJwt: algorithms must not be empty.");
  for (const alg of algorithms) {
    if (alg === "none" || /^HS\d+$/.test(alg)) {
      throw new CoreConfigError(`bearerJwt: algorithm ${JSON.stringify(alg)} is not allowed with a JWKS.`);
    }
  }
  const tolerance = options.clockToleranceSec ?? 30;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 60) {
    throw new CoreConfigError("bearerJwt: clockToleranceSec must be between 0 and 60.");
  }
  if ((options.jwksUrl === undefined) === (options.jwks === undefined)) {
    throw new CoreConfigError("bearerJwt: pass exactly one of jwksUrl and jwks.");
  }
  if (!options.issuer || !options.audience)
    throw new CoreConfigError("bearerJwt: issuer and audience are required.");
  const keys = options.jwks ?? createRemoteJWKSet(new URL(options.jwksUrl as string | URL));
  const accountClaim = options.accountClaim ?? "email";
  const cacheMs = options.verifiedCacheMs ?? 60_000;
  if (!Number.isFinite(cacheMs) || cacheMs < 0) {
    throw new CoreConfigError("bearerJwt: verifiedCacheMs must be a non-negative number.");
  }
  // Verified tokens by token, each until its exp (at most cacheMs after it was verified).
  const verified = new Map<string, { readonly identity: Identity; readonly until: number }>();

  const verifyNow = async (token: string, now: number): Promise<Identity> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer as string | string[],
        audience: options.audience as string | string[],
        algorithms,
        clockTolerance: tolerance,
        requiredClaims: ["iss", "aud", "exp", "sub"],
        currentDate: new Date(now),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) {
        throw new InvalidTokenError(`The bearer token is invalid: ${verificationFailure(error)}.`);
      }
      throw error;
    }
    const verified = payload.email_verified;
    if (verified !== undefined && verified !== true && verified !== "true") {
      throw new InvalidTokenError("The bearer token is invalid: its email address is not verified.");
    }
    const claimed = payload[accountClaim];
    const account =
      typeof claimed === "string" && claimed.trim().length > 0 ? claimed : (payload.sub as string);
    return { id: `${payload.iss}#${payload.sub}`, account, via: "bearerJwt", claims: payload };
  };

  return {
    async verify(token, now) {
      if (cacheMs === 0) return verifyNow(token, now);
      const hit = verified.get(token);
      if (hit !== undefined && hit.until > now) return hit.identity;
      if (hit !== undefined) verified.delete(token);
      const identity = await verifyNow(token, now);
      const exp = typeof identity.claims?.exp === "number" ? identity.claims.exp * 1000 : now;
      if (verified.size >= verifiedCacheEntries) {
        const oldest = verified.keys().next().value;
        if (oldest !== undefined) verified.delete(oldest);
      }
      verified.set(token, { identity, until: Math.min(exp, now + cacheMs) });
      return identity;
    },
  };
}

/**
 * The bearer-JWT source: verifies the request's `Authorization: Bearer` JWT against a remote JWKS
 * (`iss`, `aud`, `exp` required, algorithm allow-list, clock tolerance ≤ 60 s, `email_verified` not
 * `false` where present). A valid token identifies
 * the caller (and, with `provider`, may itself be the provider token). A present but invalid token stops
 * the chain with `unauthorized(invalid_token)`. No `Authorization: Bearer` header: not applicable.
 *
 * @example
 * ```ts
 * bearerJwt({ jwksUrl: "https://idp.example/jwks", issuer: "https://idp.example", audience: "my-api" })
 * ```
 */
export function bearerJwt(options: BearerJwtOptions): Source {
  const verifier = createBearerJwtVerifier(options);
  const scopeClaim = options.scopeClaim ?? "scope";
  return {
    name: "bearerJwt",
    async resolve(context) {
      const header = headerOf(context.request?.headers, "authorization");
      if (header === undefined) return notApplicable("no Authorization header");
      const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(header);
      if (match === null) return notApplicable("the Authorization header is not a bearer token");
      const token = match[1] as string;
      const identity = await verifier.verify(token, context.clock());
      const { account } = identity;
      const payload = identity.claims as JWTPayload;
      if (options.provider !== undefined && options.provider === context.provider) {
        const wanted = context.input.account;
        const sameAccount = wanted === undefined || accountKey(wanted) === accountKey(account);
        const scopeValue = payload[scopeClaim];
        const scopes = typeof scopeValue === "string" ? context.scopePolicy.parse(scopeValue) : [];
        if (sameAccount && context.scopePolicy.covers(scopes, context.scopes)) {
          return resolved(
            { kind: "token", accessToken: token, expiresAt: (payload.exp as number) * 1000, scopes, account },
            "the bearer JWT is a token of this provider",
            identity,
          );
        }
      }
      return notApplicable("verified the caller; the bearer token is not a token of this provider", {
        identity,
      });
    },
  };
}
