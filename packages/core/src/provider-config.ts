import { CoreConfigError } from "./errors.js";

/**
 * How the provider proves who completed an authorization (the account a credential is stored under):
 * - `id_token`: the ID token (needs `openid`); with the default `accountClaim` ("email") its
 *   `email_verified` must be `true`.
 * - `github`: GitHub's `GET /user` and `GET /user/emails` (scope `user:email`): the primary verified address.
 * - `microsoft_graph`: Microsoft Graph `GET /me` (scope `User.Read`): `mail`, else `userPrincipalName`.
 * - `userinfo`: an OpenID userinfo endpoint (Slack: `https://slack.com/api/openid.connect.userInfo`):
 *   `email` with `email_verified: true`.
 * - `none`: nothing is proven; the account the flow was started for is trusted (explicit opt-out).
 */
export type IdentityProof =
  | { readonly method: "id_token" }
  | { readonly method: "github" /** @default "https://api.github.com" */; readonly apiUrl?: string }
  | {
      readonly method: "microsoft_graph";
      /** @default "https://graph.microsoft.com/v1.0/me" */ readonly url?: string;
    }
  | { readonly method: "userinfo"; readonly url: string }
  | { readonly method: "none" };

/**
 * One OAuth provider the refresher and the authorization fallback talk to. Field names of the endpoints
 * follow the authorization server metadata (RFC 8414), so a discovery document can be spread in.
 */
export interface ProviderConfig {
  /** The authorization server's issuer identifier (checked against `iss` in callbacks and ID tokens). */
  readonly issuer: string;
  /** Where the user authorizes. */
  readonly authorization_endpoint: string;
  /** Where codes and refresh tokens are redeemed. */
  readonly token_endpoint: string;
  /** Where tokens are revoked (RFC 7009), if the provider has one. */
  readonly revocation_endpoint?: string;
  /** The provider sends `iss` in every authorization response (RFC 9207); a missing `iss` is then refused. @default false */
  readonly authorization_response_iss_parameter_supported?: boolean;
  /** OAuth client id. */
  readonly clientId: string;
  /** OAuth client secret; absent for a public client. */
  readonly clientSecret?: string;
  /** How the client authenticates at the token endpoint. @default "client_secret_basic" with a secret, else "none" */
  readonly clientAuthMethod?: "client_secret_basic" | "client_secret_post" | "none";
  /** The redirect URI registered with the provider; the callback handler receives its requests. */
  readonly redirectUri: string;
  /**
   * Which `@credstack/scopes` registry names and compares this provider's scopes (`google`, `microsoft`,
   * `github`, `slack`), or `plain` for exact strings. Google also gets `access_type=offline` and
   * `include_granted_scopes=true`, and incremental URLs that request only the missing scopes.
   * @default the provider slug when the registry knows it, else "plain"
   */
  readonly scopes?: "google" | "microsoft" | "github" | "slack" | "plain";
  /** Extra authorization request parameters (`prompt`, `audience`, ...). @default {} */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** The ID token claim that names the account after an authorization. @default "email", then "sub" */
  readonly accountClaim?: string;
  /** The algorithm the provider signs ID tokens with (checked by oauth4webapi). @default "RS256" */
  readonly idTokenSigningAlg?: string;
  /** Timeout of each token endpoint request, in ms. @default 10000 */
  readonly timeoutMs?: number;
  /** Allow `http:` endpoints (loopback tests and local development only). @default false */
  readonly allowInsecureRequests?: boolean;
  /**
   * How a callback proves who signed in (see {@link IdentityProof}). A flow started for one account and
   * completed by another is refused. Without it, an ID token is checked when the provider sends one
   * (`email_verified: false` refused) and otherwise the flow's account is trusted.
   * @default undefined
   */
  readonly identityProof?: IdentityProof;
}

/** The providers by slug. */
export type ProviderConfigs = Readonly<Record<string, ProviderConfig>>;

/** The config of `provider`. @throws CoreConfigError when none. @internal */
export function providerConfigOf(providers: ProviderConfigs, provider: string): ProviderConfig {
  const config = Object.hasOwn(providers, provider) ? providers[provider] : undefined;
  if (config === undefined) {
    throw new CoreConfigError(`No provider config for ${JSON.stringify(provider.slice(0, 64))}.`);
  }
  return config;
}

/** Checks every provider config once, at construction. @internal */
export function checkProviderConfigs(providers: ProviderConfigs): void {
  for (const [slug, config] of Object.entries(providers)) {
    for (const field of ["issuer", "authorization_endpoint", "token_endpoint", "redirectUri"] as const) {
      let url: URL;
      try {
        url = new URL(config[field]);
      } catch {
        throw new CoreConfigError(`Provider ${JSON.stringify(slug)}: ${field} must be an absolute URL.`);
      }
      if (url.protocol !== "https:" && !(url.protocol === "http:" && config.allowInsecureRequests === true)) {
        if (field !== "redirectUri") {
          throw new CoreConfigError(
            `Provider ${JSON.stringify(slug)}: ${field} must use https (allowInsecureRequests is for loopback tests).`,
          );
        }
      }
    }
    if (typeof config.clientId !== "string" || config.clientId.length === 0) {
      throw new CoreConfigError(`Provider ${JSON.stringify(slug)}: clientId is required.`);
    }
  }
}
