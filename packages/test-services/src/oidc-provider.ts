import { generateKeyPairSync, type KeyObject, randomUUID, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** Options of {@link startOidcProvider}. */
export interface OidcProviderOptions {
  /** Redirect URIs of the static confidential client. @default ["http://127.0.0.1:9/callback"] */
  readonly redirectUris?: readonly string[];
  /** Access-token lifetime, seconds. @default 60 */
  readonly accessTokenTtlSec?: number;
  /** The static client's id. @default "credstack-test" */
  readonly clientId?: string;
  /** The static client's secret. @default "test-client-secret-value" */
  readonly clientSecret?: string;
  /** Enable dynamic client registration (RFC 7591). @default false */
  readonly dynamicRegistration?: boolean;
  /**
   * Enable resource indicators (RFC 8707): access tokens for a `resource` are JWTs with this scope and the
   * resource as audience (an MCP server's tokens). @default off
   */
  readonly resourceIndicators?: { readonly scope: string };
  /**
   * Logins whose `email_verified` claim is `false` (every other login's address is verified).
   * @default []
   */
  readonly unverifiedEmails?: readonly string[];
  /** Static clients of the client-credentials grant (machine to machine); enables that grant. @default none */
  readonly machineClients?: readonly OidcMachineClient[];
}

/** A static client of the client-credentials grant (see {@link OidcProviderOptions.machineClients}). */
export interface OidcMachineClient {
  readonly clientId: string;
  /** How the client authenticates at the token endpoint. */
  readonly method: "client_secret_basic" | "client_secret_post" | "private_key_jwt";
  /** The secret (`client_secret_*`). */
  readonly clientSecret?: string;
  /** The client's public JWKs (`private_key_jwt`). */
  readonly publicJwks?: readonly Record<string, unknown>[];
}

/** The shape of `@credstack/core`'s `ProviderConfig` for a {@link OidcProviderServer}. */
export interface TestProviderConfig {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly revocation_endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly scopes: "plain";
  readonly idTokenSigningAlg: "ES256";
  readonly authorizationParams: { readonly prompt: "consent" };
  readonly allowInsecureRequests: true;
  readonly timeoutMs: number;
}

/** A running oidc-provider. */
export interface OidcProviderServer {
  /** `http://127.0.0.1:PORT`. */
  readonly issuer: string;
  /** The served JWKS. */
  readonly jwksUrl: string;
  /** The static confidential client. */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  /** The ES256 signing key (for test JWTs verified through the served JWKS) and its `kid`. */
  readonly privateKey: KeyObject;
  readonly kid: string;
  /**
   * Counts: `refresh` (refresh-token grants reaching the grant handler, successful or not), `code`
   * (successful code grants), `tokenPosts` (every POST to the token endpoint), `registrations`,
   * `revocations` (POSTs to the revocation endpoint), `clientCredentials` (successful client-credentials
   * grants).
   */
  readonly calls: {
    refresh: number;
    code: number;
    tokenPosts: number;
    registrations: number;
    revocations: number;
    clientCredentials: number;
  };
  /** Signs a JWT with the server's key (ES256). */
  signJwt(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  /**
   * Completes an authorization URL as `login` (login and consent over plain HTTP); returns the first URL
   * outside the server (the client's redirect URI with `code` and `state`, or an error).
   */
  authorize(url: string | URL, login?: string): Promise<string>;
  /** Revokes a token at the revocation endpoint as the static client. */
  revoke(token: string): Promise<void>;
  /**
   * The provider configuration credstack (`@credstack/core`'s `ProviderConfig`) uses for this server and
   * its static client: explicit endpoints, plain scopes, ES256 ID tokens, consent prompt, loopback HTTP.
   */
  providerConfig(redirectUri?: string): TestProviderConfig;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts a real `oidc-provider` on a random loopback port for credstack's own tests: PKCE required,
 * refresh-token rotation, short access tokens, revocation, ES256 JWKS, a static confidential client, and
 * optionally dynamic registration and resource indicators.
 */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProviderServer> {
  const redirectUris = [...(options.redirectUris ?? ["http://127.0.0.1:9/callback"])];
  const clientId = options.clientId ?? "credstack-test";
  const clientSecret = options.clientSecret ?? "test-client-secret-value";
  const ttl = options.accessTokenTtlSec ?? 60;
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = "test-key-1";
  const jwk = { ...privateKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" };
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const resources = options.resourceIndicators;
  const unverified = new Set(options.unverifiedEmails ?? []);
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "ES256",
      },
      ...(options.machineClients ?? []).map((client) => ({
        client_id: client.clientId,
        ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
        ...(client.publicJwks === undefined ? {} : { jwks: { keys: [...client.publicJwks] as never[] } }),
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: client.method,
      })),
    ],
    jwks: { keys: [jwk as never] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: id, email_verified: !unverified.has(id) }),
    }),
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    scopes: [
      "openid",
      "offline_access",
      "email",
      "api:read",
      "api:write",
      ...(resources ? [resources.scope] : []),
    ],
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: (options.machineClients?.length ?? 0) > 0 },
      revocation: { enabled: true },
      ...(options.dynamicRegistration
        ? { registration: { enabled: true, idFactory: () => `dcr-${randomUUID()}` } }
        : {}),
      ...(resources
        ? {
            resourceIndicators: {
              enabled: true,
              defaultResource: () => undefined as unknown as string,
              useGrantedResource: () => true,
              getResourceServerInfo: (_ctx: unknown, resource: string) => ({
                scope: resources.scope,
                audience: resource,
                accessTokenTTL: ttl,
                accessTokenFormat: "jwt" as const,
                jwt: { sign: { alg: "ES256" as const } },
              }),
            },
          }
        : {}),
    },
    ...(resources
      ? {
          extraTokenClaims: async (_ctx: unknown, token: object) =>
            "accountId" in token && typeof token.accountId === "string"
              ? { email: token.accountId }
              : undefined,
        }
      : {}),
    clientDefaults: { id_token_signed_response_alg: "ES256" },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ttl,
      RefreshToken: 3600,
      Grant: 3600,
      Session: 3600,
      Interaction: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    conformIdTokenClaims: false,
    cookies: { keys: ["test-cookie-key"] },
  });
  const calls = {
    refresh: 0,
    code: 0,
    tokenPosts: 0,
    registrations: 0,
    revocations: 0,
    clientCredentials: 0,
  };
  provider.use(async (ctx, next) => {
    if (ctx.method === "POST" && ctx.path === "/token") calls.tokenPosts++;
    if (ctx.method === "POST" && ctx.path === "/token/revocation") calls.revocations++;
    await next();
  });
  const grantType = (ctx: { oidc: { params?: unknown } }) =>
    (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
  provider.on("grant.success", (ctx) => {
    if (grantType(ctx) === "refresh_token") calls.refresh++;
    if (grantType(ctx) === "authorization_code") calls.code++;
    if (grantType(ctx) === "client_credentials") calls.clientCredentials++;
  });
  provider.on("grant.error", (ctx) => {
    if (grantType(ctx) === "refresh_token") calls.refresh++;
  });
  provider.on("registration_create.success", () => {
    calls.registrations++;
  });
  http.on("request", provider.callback());

  async function authorize(url: string | URL, login = "alice@example.com"): Promise<string> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const remember = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const index = (pair as string).indexOf("=");
        jar.set((pair as string).slice(0, index), (pair as string).slice(index + 1));
      }
    };
    let next = String(url);
    for (let step = 0; step < 20; step++) {
      if (!next.startsWith(`${issuer}/`)) return next;
      const response = await fetch(next, { redirect: "manual", headers: { cookie: cookieHeader() } });
      remember(response);
      if (response.status >= 300 && response.status < 400) {
        next = new URL(response.headers.get("location") as string, next).href;
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) throw new Error(`authorization step failed: ${response.status}`);
      const action = /action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (action === undefined || prompt === undefined) throw new Error("no interaction form");
      const body = new URLSearchParams({ prompt });
      if (prompt === "login") {
        body.set("login", login);
        body.set("password", "any");
      }
      const posted = await fetch(new URL(action, next), {
        method: "POST",
        redirect: "manual",
        headers: { cookie: cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      remember(posted);
      if (posted.status < 300 || posted.status >= 400)
        throw new Error(`interaction post failed: ${posted.status}`);
      next = new URL(posted.headers.get("location") as string, next).href;
    }
    throw new Error("too many authorization steps");
  }

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    clientId,
    clientSecret,
    redirectUris,
    privateKey,
    kid,
    calls,
    signJwt(claims, header = {}) {
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const input = `${encode({ alg: "ES256", kid, typ: "JWT", ...header })}.${encode(claims)}`;
      const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
      return `${input}.${signature.toString("base64url")}`;
    },
    authorize,
    providerConfig(redirectUri = redirectUris[0] as string) {
      return {
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        revocation_endpoint: `${issuer}/token/revocation`,
        clientId,
        clientSecret,
        redirectUri,
        scopes: "plain",
        idTokenSigningAlg: "ES256",
        authorizationParams: { prompt: "consent" },
        allowInsecureRequests: true,
        timeoutMs: 5000,
      };
    },
    async revoke(token) {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ token, token_type_hint: "refresh_token" }),
      });
      if (response.status !== 200) throw new Error(`revocation failed: ${response.status}`);
    },
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
