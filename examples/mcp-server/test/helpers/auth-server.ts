import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ProviderConfig } from "@credstack/core";
import Provider from "oidc-provider";

/**
 * A real oidc-provider on a random loopback port (copied from packages/core/test, extended for MCP):
 * dynamic client registration, resource indicators issuing JWT access tokens for MCP servers, a static
 * confidential client for the downstream "demo" provider, PKCE required, refresh-token rotation.
 */
export interface AuthServer {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The downstream provider config credstack uses for it (plain scopes). */
  readonly config: ProviderConfig;
  /** The signing key (for test JWTs verified through the served JWKS). */
  readonly privateKey: KeyObject;
  readonly kid: string;
  /** Token endpoint calls by grant type. */
  readonly calls: { refresh: number; code: number; registrations: number };
  /** Signs a JWT with the server's key (ES256), for verifier tests. */
  signJwt(claims: Record<string, unknown>, header?: Record<string, unknown>): string;
  /**
   * Completes an authorization URL as `login` (login + consent over HTTP); returns the first URL outside
   * the authorization server (the client's redirect URI with `code` and `state`).
   */
  authorize(url: string | URL, login?: string): Promise<string>;
  close(): Promise<void>;
}

export const demoClientId = "credstack-demo";
const demoClientSecret = "demo-client-secret-value";

export async function startAuthServer(options: {
  /** The redirect URI of the static downstream client. */
  readonly downstreamRedirectUri: string;
  readonly accessTokenTtlSec?: number;
}): Promise<AuthServer> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const kid = "mcp-test-key-1";
  const jwk = { ...privateKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" };
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const ttl = options.accessTokenTtlSec ?? 300;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: demoClientId,
        client_secret: demoClientSecret,
        redirect_uris: [options.downstreamRedirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [jwk as never] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, email: id }) }),
    claims: { openid: ["sub"], email: ["email"] },
    scopes: ["openid", "offline_access", "email", "api:read", "api:write", "mcp:tools"],
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true, idFactory: () => `dcr-${crypto.randomUUID()}` },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => ({
          scope: "mcp:tools",
          audience: resource,
          accessTokenTTL: ttl,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "ES256" } },
        }),
      },
    },
    extraTokenClaims: async (_ctx, token) =>
      "accountId" in token && typeof token.accountId === "string" ? { email: token.accountId } : undefined,
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
  const calls = { refresh: 0, code: 0, registrations: 0 };
  provider.on("grant.success", (ctx) => {
    const grantType = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
    if (grantType === "refresh_token") calls.refresh++;
    if (grantType === "authorization_code") calls.code++;
  });
  provider.on("registration_create.success", () => {
    calls.registrations++;
  });
  http.on("request", provider.callback());

  const config: ProviderConfig = {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/token/revocation`,
    clientId: demoClientId,
    clientSecret: demoClientSecret,
    redirectUri: options.downstreamRedirectUri,
    scopes: "plain",
    idTokenSigningAlg: "ES256",
    authorizationParams: { prompt: "consent" },
    allowInsecureRequests: true,
    timeoutMs: 5000,
  };

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

  function signJwt(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const input = `${encode({ alg: "ES256", kid, typ: "JWT", ...header })}.${encode(claims)}`;
    const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return `${input}.${signature.toString("base64url")}`;
  }

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    config,
    privateKey: createPrivateKey(privateKey.export({ format: "pem", type: "pkcs8" })),
    kid,
    calls,
    signJwt,
    authorize,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
