import * as oauth from "oauth4webapi";
import { AuthorizationFailedError } from "../errors.js";
import type { ProviderConfig } from "../provider-config.js";

/** What a callback proved about who signed in. @internal */
export interface ProvenIdentity {
  /** The proven account, or `undefined` when the provider config opts out (`none`) or has no proof. */
  readonly account: string | undefined;
}

const unproven = (message: string) => new AuthorizationFailedError("identity_unproven", message);
const unverified = () =>
  new AuthorizationFailedError(
    "email_unverified",
    "The provider says the signed-in address is not verified.",
  );

/** `email_verified` as a boolean; providers send `true`, `"true"`, `false` or nothing. */
function verifiedFlag(value: unknown): boolean | undefined {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim().length > 0 ? value : undefined;

/** GETs a JSON user endpoint with the new access token (never logged). */
async function userEndpoint(
  config: ProviderConfig,
  url: string,
  accessToken: string,
  fetchImpl: typeof fetch,
): Promise<unknown> {
  const target = new URL(url);
  if (target.protocol !== "https:" && config.allowInsecureRequests !== true) {
    throw unproven("The provider's user endpoint must use https.");
  }
  let response: Response;
  try {
    response = await fetchImpl(target, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: "application/json",
        "user-agent": "credstack",
      },
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
      redirect: "error",
    });
  } catch (error) {
    throw new AuthorizationFailedError("identity_unproven", "The provider's user endpoint is unreachable.", {
      cause: new Error(`${(error as Error).name}`),
    });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw unproven(`The provider's user endpoint answered ${response.status}.`);
  }
  try {
    return await response.json();
  } catch {
    throw unproven("The provider's user endpoint did not answer JSON.");
  }
}

async function github(
  config: ProviderConfig,
  apiUrl: string,
  token: string,
  fetchImpl: typeof fetch,
): Promise<string> {
  const base = apiUrl.replace(/\/+$/, "");
  const user = (await userEndpoint(config, `${base}/user`, token, fetchImpl)) as { id?: unknown } | null;
  if (user === null || typeof user !== "object" || user.id === undefined) {
    throw unproven("GitHub's /user answer names no user.");
  }
  const emails = await userEndpoint(config, `${base}/user/emails`, token, fetchImpl);
  if (!Array.isArray(emails))
    throw unproven("GitHub's /user/emails answer is not a list (scope user:email?).");
  const primary = emails.find((entry) => (entry as { primary?: unknown })?.primary === true) as
    | { email?: unknown; verified?: unknown }
    | undefined;
  const email = nonEmpty(primary?.email);
  if (email === undefined) throw unproven("GitHub reports no primary address.");
  if (primary?.verified !== true) throw unverified();
  return email;
}

/**
 * Proves who completed an authorization, as the provider config's `identityProof` says (see
 * `IdentityProof`). Without one: the ID token's account claim when there is an ID token.
 * @throws AuthorizationFailedError (`identity_unproven`, `email_unverified`)
 * @internal
 */
export async function proveIdentity(
  config: ProviderConfig,
  result: oauth.TokenEndpointResponse,
  fetchImpl: typeof fetch,
): Promise<ProvenIdentity> {
  const claims = oauth.getValidatedIdTokenClaims(result);
  if (claims !== undefined && verifiedFlag(claims.email_verified) === false) throw unverified();
  const proof = config.identityProof;
  const claimName = config.accountClaim ?? "email";
  switch (proof?.method) {
    case undefined: {
      if (claims === undefined) return { account: undefined };
      return { account: nonEmpty(claims[claimName]) ?? claims.sub };
    }
    case "none":
      return { account: undefined };
    case "id_token": {
      if (claims === undefined) throw unproven("The provider sent no ID token (request the openid scope).");
      const account = nonEmpty(claims[claimName]);
      if (account === undefined) throw unproven(`The ID token has no ${claimName} claim.`);
      if (claimName === "email" && verifiedFlag(claims.email_verified) !== true) throw unverified();
      return { account };
    }
    case "github":
      return {
        account: await github(
          config,
          proof.apiUrl ?? "https://api.github.com",
          result.access_token,
          fetchImpl,
        ),
      };
    case "microsoft_graph": {
      const me = (await userEndpoint(
        config,
        proof.url ?? "https://graph.microsoft.com/v1.0/me",
        result.access_token,
        fetchImpl,
      )) as { mail?: unknown; userPrincipalName?: unknown } | null;
      const account = nonEmpty(me?.mail) ?? nonEmpty(me?.userPrincipalName);
      if (account === undefined) throw unproven("Microsoft Graph /me names no address.");
      return { account };
    }
    case "userinfo": {
      const info = (await userEndpoint(config, proof.url, result.access_token, fetchImpl)) as {
        ok?: unknown;
        email?: unknown;
        email_verified?: unknown;
      } | null;
      if (info === null || info.ok === false) throw unproven("The userinfo endpoint refused the token.");
      const account = nonEmpty(info.email);
      if (account === undefined) throw unproven("The userinfo answer has no email.");
      if (verifiedFlag(info.email_verified) !== true) throw unverified();
      return { account };
    }
  }
}
