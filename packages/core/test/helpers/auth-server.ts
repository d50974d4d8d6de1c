import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider from "oidc-provider";
import type { ProviderConfig } from "../../src/index.js";

/** A real oidc-provider on a random loopback port: rotation, short access tokens, PKCE, real JWKS. */
export interface AuthServer {
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The provider config credstack uses for it. */
  readonly config: ProviderConfig;
  /** Token endpoint calls by grant type. */
  readonly calls: { refresh: number; code: number; tokenPosts: number };
  /** The private signing key (for test JWTs verified through the served JWKS). */
  readonly privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  readonly kid: string;
  /** Completes an authorization URL as `login` (login + consent over HTTP); returns the callback URL. */
  authorize(url: string, login?: string): Promise<string>;
  /** Revokes a token at the revocation endpoint. */
  revoke(token: string): Promise<void>;
  close(): Promise<void>;
}

const clientId = "credstack-test";
const clientSecret = "test-client-secret-value";
export const redirectUri = "http://127.0.0.1:9/callback";

export async function startAuthServer(options: { accessTokenTtlSec?: number } = {}): Promise<AuthServer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const kid = "test-key-1";
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };
  void publicKey;
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        application_type: "native",
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [jwk] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: id }),
    }),
    claims: { openid: ["sub"], email: ["email"] },
    scopes: ["openid", "offline_access", "email", "api:read", "api:write"],
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: options.accessTokenTtlSec ?? 60,
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
  const calls = { refresh: 0, code: 0, tokenPosts: 0 };
  provider.use(async (ctx, next) => {
    if (ctx.path === "/token" && ctx.method === "POST") calls.tokenPosts++;
    await next();
  });
  provider.on("grant.success", (ctx) => {
    const grantType = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
    if (grantType === "refresh_token") calls.refresh++;
    if (grantType === "authorization_code") calls.code++;
  });
  provider.on("grant.error", (ctx) => {
    const grantType = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
    if (grantType === "refresh_token") calls.refresh++;
  });
  http.on("request", provider.callback());

  const config: ProviderConfig = {
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

  async function authorize(url: string, login = "alice@example.com"): Promise<string> {
    const jar = new Map<string, string>();
    const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const remember = (response: Response) => {
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const index = (pair as string).indexOf("=");
        jar.set((pair as string).slice(0, index), (pair as string).slice(index + 1));
      }
    };
    let next = url;
    for (let step = 0; step < 20; step++) {
      if (next.startsWith(redirectUri)) return next;
      const response = await fetch(next, { redirect: "manual", headers: { cookie: cookieHeader() } });
      remember(response);
      if (response.status >= 300 && response.status < 400) {
        next = new URL(response.headers.get("location") as string, next).href;
        continue;
      }
      const html = await response.text();
      if (response.status !== 200)
        throw new Error(
          `authorization step failed: ${response.status} ${html.replace(/<style>[\s\S]*<\/style>/, "").slice(0, 1500)}`,
        );
      const action = /action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (action === undefined || prompt === undefined)
        throw new Error(`no interaction form: ${html.replace(/<style>[\s\S]*<\/style>/, "").slice(0, 1500)}`);
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
    config,
    calls,
    privateKey,
    kid,
    authorize,
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
