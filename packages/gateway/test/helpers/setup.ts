import { type CredentialStore, memoryStore } from "@credstack/storage";
import { freePort } from "@credstack/test-services";
import { createGateway, type Gateway, type GatewayOptions, hashApiKey } from "../../src/index.js";
import { type AuthServer, providerFor, startAuthServer } from "./auth-server.js";

/** A parsed JSON answer, loosely typed for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions on JSON answers
export type Json = Record<string, any>;

export const alice = "alice@example.com";
export const keyA = "csk_test_key_A_0123456789abcdefghijklmnopqrstuv";
export const keyB = "csk_test_key_B_0123456789abcdefghijklmnopqrstuv";

/** A gateway on a random loopback port in front of a real oidc-provider, over a memory store. */
export interface Harness {
  readonly server: AuthServer;
  readonly gateway: Gateway;
  readonly store: CredentialStore;
  readonly base: string;
  /** fetch against the gateway with key A (or `key`), JSON body. */
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string | null,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Json; headers: Headers }>;
  /** Runs the real code + PKCE flow for `account` through the gateway; returns the session id. */
  signIn(account?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<GatewayOptions> | ((server: AuthServer, base: string) => Partial<GatewayOptions>) = {},
  serverOptions: { unverifiedEmails?: readonly string[] } = {},
): Promise<Harness> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const redirectUri = `${base}/auth/callback/test`;
  const server = await startAuthServer({ redirectUris: [redirectUri], ...serverOptions });
  const overrides = typeof options === "function" ? options(server, base) : options;
  const store = overrides.store ?? memoryStore();
  const gateway = await createGateway({
    store,
    providers: { test: providerFor(server, redirectUri) },
    apiKeys: [
      { id: "a", hash: hashApiKey(keyA), mode: "unrestricted" },
      { id: "b", hash: hashApiKey(keyB), mode: "unrestricted" },
    ],
    sweepIntervalMs: 0,
    ...overrides,
  });
  await gateway.listen({ port });
  async function call(
    method: string,
    path: string,
    body?: unknown,
    key: string | null = keyA,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...headers,
        ...(key === null ? {} : { "x-api-key": key }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: Json = { text };
    try {
      json = JSON.parse(text) as Json;
    } catch {}
    return { status: response.status, json, headers: response.headers };
  }
  return {
    server,
    gateway,
    store,
    base,
    call,
    async signIn(account = alice) {
      const init = await call("POST", "/auth/init", { provider: "test", account });
      if (init.status !== 200) throw new Error(`init ${init.status} ${JSON.stringify(init.json)}`);
      const callback = await server.authorize(init.json.authorizationUrl, account);
      const page = await fetch(callback);
      if (page.status !== 200) throw new Error(`callback ${page.status}: ${await page.text()}`);
      return init.json.sessionId as string;
    },
    async close() {
      await gateway.close();
      await server.close();
    },
  };
}
