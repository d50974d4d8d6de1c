import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A user of the GitHub-shaped server: login and e-mail addresses as `GET /user/emails` lists them. */
export interface GithubUser {
  readonly login: string;
  readonly emails: readonly { email: string; primary: boolean; verified: boolean }[];
}

/**
 * A GitHub-shaped OAuth server on loopback: `/login/oauth/authorize` (signs in as `?as=<login>` at once),
 * `/login/oauth/access_token` (code + PKCE S256, no ID token, as GitHub), `GET /user` and
 * `GET /user/emails` with the access token; also Microsoft Graph's `GET /v1.0/me` and an OpenID
 * `GET /userinfo` (Slack) for the same users.
 */
export interface GithubServer {
  readonly base: string;
  /** Completes an authorization URL as `login`; returns the redirect (callback) URL. */
  authorize(url: string, login: string): Promise<string>;
  /** Token endpoint requests so far. */
  readonly calls: { token: number; user: number };
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts a {@link GithubServer} knowing `users`. */
export async function startGithubServer(users: readonly GithubUser[]): Promise<GithubServer> {
  const codes = new Map<string, { login: string; challenge: string; redirectUri: string; scope: string }>();
  const tokens = new Map<string, string>();
  const calls = { token: 0, user: 0 };
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    };
    if (url.pathname === "/login/oauth/authorize") {
      const login = url.searchParams.get("as") ?? "";
      const code = randomBytes(16).toString("hex");
      const redirectUri = url.searchParams.get("redirect_uri") ?? "";
      codes.set(code, {
        login,
        challenge: url.searchParams.get("code_challenge") ?? "",
        redirectUri,
        scope: (url.searchParams.get("scope") ?? "").split(" ").join(","),
      });
      const target = new URL(redirectUri);
      target.searchParams.set("code", code);
      target.searchParams.set("state", url.searchParams.get("state") ?? "");
      response.writeHead(302, { location: target.href }).end();
      return;
    }
    if (url.pathname === "/login/oauth/access_token" && request.method === "POST") {
      calls.token++;
      const form = new URLSearchParams(await bodyOf(request));
      const entry = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (
        entry === undefined ||
        entry.challenge !== challenge ||
        entry.redirectUri !== form.get("redirect_uri")
      ) {
        json(400, { error: "bad_verification_code" });
        return;
      }
      const token = `gho_${randomBytes(16).toString("hex")}`;
      tokens.set(token, entry.login);
      json(200, { access_token: token, token_type: "bearer", scope: entry.scope });
      return;
    }
    const login = tokens.get((request.headers.authorization ?? "").replace(/^Bearer /i, ""));
    const user = users.find((candidate) => candidate.login === login);
    if (user === undefined) {
      json(401, { message: "Bad credentials" });
      return;
    }
    calls.user++;
    const primary = user.emails.find((entry) => entry.primary);
    // Microsoft Graph's /me and an OpenID userinfo endpoint (Slack) for the same users.
    if (url.pathname === "/v1.0/me")
      json(200, { mail: primary?.email, userPrincipalName: `${user.login}@tenant.example` });
    else if (url.pathname === "/userinfo") {
      json(200, {
        ok: true,
        sub: user.login,
        email: primary?.email,
        email_verified: primary?.verified === true,
      });
    } else if (url.pathname === "/user") json(200, { id: users.indexOf(user) + 1, login: user.login });
    else if (url.pathname === "/user/emails") json(200, user.emails);
    else json(404, { message: "Not Found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    calls,
    async authorize(url, login) {
      const target = new URL(url);
      target.searchParams.set("as", login);
      const response = await fetch(target, { redirect: "manual" });
      return response.headers.get("location") ?? "";
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The gateway provider config for a {@link GithubServer} (the GitHub preset's shape, on loopback). */
export function githubProvider(server: GithubServer, redirectUri: string) {
  return {
    issuer: server.base,
    authorization_endpoint: `${server.base}/login/oauth/authorize`,
    token_endpoint: `${server.base}/login/oauth/access_token`,
    clientId: "gh-client",
    clientSecret: "gh-secret",
    clientAuthMethod: "client_secret_post" as const,
    redirectUri,
    scopes: "github" as const,
    defaultScopes: ["repo"],
    identityProof: { method: "github" as const, apiUrl: server.base },
    allowInsecureRequests: true,
  };
}
