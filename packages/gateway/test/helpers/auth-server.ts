import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** A real oidc-provider on a random loopback port: rotating refresh tokens, PKCE, revocation, real JWKS. */
export interface AuthServer {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Token endpoint and revocation calls. */
  readonly calls: { refresh: number; code: number; tokenPosts: number; revocations: number };
  /** Completes an authorization URL as `login` (login + consent over HTTP); returns the redirect URL. */
  authorize(url: string, login?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAuthServer(options: {
  redirectUris: string[];
  accessTokenTtlSec?: number;
}): Promise<AuthServer> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: "test-key-1", alg: "ES256", use: "sig" };
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clientId = "credstack-gateway-test";
  const clientSecret = "gateway-test-client-secret";
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        application_type: "native",
        id_token_signed_response_alg: "ES256",
      },
    ],
    jwks: { keys: [jwk as never] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, email: id }) }),
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
  const calls = { refresh: 0, code: 0, tokenPosts: 0, revocations: 0 };
  provider.use(async (ctx, next) => {
    if (ctx.path === "/token" && ctx.method === "POST") calls.tokenPosts++;
    if (ctx.path === "/token/revocation" && ctx.method === "POST") calls.revocations++;
    await next();
  });
  provider.on("grant.success", (ctx) => {
    const grantType = (ctx.oidc.params as { grant_type?: string } | undefined)?.grant_type;
    if (grantType === "refresh_token") calls.refresh++;
    if (grantType === "authorization_code") calls.code++;
  });
  http.on("request", provider.callback());

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
      if (!next.startsWith(issuer)) return next; // redirected back to the client
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
    clientId,
    clientSecret,
    calls,
    authorize,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** The gateway provider config for an {@link AuthServer}. */
export function providerFor(server: AuthServer, redirectUri: string) {
  return {
    issuer: server.issuer,
    authorization_endpoint: `${server.issuer}/auth`,
    token_endpoint: `${server.issuer}/token`,
    revocation_endpoint: `${server.issuer}/token/revocation`,
    clientId: server.clientId,
    clientSecret: server.clientSecret,
    redirectUri,
    scopes: "plain" as const,
    idTokenSigningAlg: "ES256",
    authorizationParams: { prompt: "consent" },
    allowInsecureRequests: true,
    timeoutMs: 5000,
    defaultScopes: ["openid", "offline_access", "email", "api:read"],
  };
}
