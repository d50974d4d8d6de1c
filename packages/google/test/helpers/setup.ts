import { generateKeyPairSync, randomUUID, sign } from "node:crypto";
import {
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  type RefreshEvent,
  type Resolver,
} from "@credstack/core";
import { type CredentialStore, memoryStore } from "@credstack/storage";
import { type ApiServer, startApiServer } from "@credstack/test-services";
import { afterAll, beforeAll, beforeEach } from "vitest";

const issuer = "https://identity.test";
const audience = "https://tools.test/mcp";
const redirectUri = "http://127.0.0.1:9/oauth/callback";

/** A credstack stack over a provider-shaped API server on loopback: real resolver, refresher, authorizer. */
export interface Stack {
  readonly api: ApiServer;
  readonly store: CredentialStore;
  readonly resolver: Resolver;
  /** Refresh events, in order. */
  readonly events: RefreshEvent[];
  /** Listeners the test adds to refresh events. */
  readonly listeners: ((event: RefreshEvent) => void)[];
  /** The clock the resolver and refresher use (ms); move it to expire stored credentials. */
  now: number;
  /** A verified bearer JWT naming `email` (the caller's identity). */
  jwtFor(email: string): string;
  /** The request of a caller. */
  requestOf(email: string): { headers: { authorization: string } };
  /** Grants `scopes` at the API server and stores the credential, as an authorization would. */
  seed(
    provider: string,
    account: string,
    scopes: readonly string[],
    options?: { readonly expiresAt?: number },
  ): Promise<{ accessToken: string; refreshToken: string }>;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const api = await startApiServer({ redirectUris: [redirectUri] });
  const store = memoryStore();
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const providers = {
    google: api.providerConfig(redirectUri, "google"),
    github: api.providerConfig(redirectUri, "github"),
    microsoft: api.providerConfig(redirectUri, "microsoft"),
  };
  const events: RefreshEvent[] = [];
  const listeners: ((event: RefreshEvent) => void)[] = [];
  const stack = { now: Date.now() } as Stack;
  const clock = () => stack.now;
  const refresher = createRefresher({
    store,
    providers,
    clock,
    cacheMs: 0,
    onEvent: (event) => {
      events.push(event);
      for (const listener of listeners) listener(event);
    },
  });
  const authorizer = createAuthorizer({ store, providers, refresher, clock });
  const resolver = createResolver({
    chain: defaultChain({ bearer: { jwks: async () => publicKey, issuer, audience }, refresher, authorizer }),
    providers,
    clock,
  });
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const jwtFor = (email: string) => {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const input = `${encode({ alg: "ES256", typ: "JWT" })}.${encode({ iss: issuer, aud: audience, sub: email, email, exp, jti: randomUUID() })}`;
    const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return `${input}.${signature.toString("base64url")}`;
  };
  return Object.assign(stack, {
    api,
    store,
    resolver,
    events,
    listeners,
    jwtFor,
    requestOf: (email: string) => ({ headers: { authorization: `Bearer ${jwtFor(email)}` } }),
    async seed(
      provider: string,
      account: string,
      scopes: readonly string[],
      options: { readonly expiresAt?: number } = {},
    ) {
      const tokens = api.grant(account, scopes);
      const current = await store.get({ provider, account });
      await store.put(
        {
          provider,
          account,
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          expiresAt: options.expiresAt ?? stack.now + 3600_000,
          scopes: [...scopes],
          issuer: api.url,
          clientId: api.clientId,
        },
        { expectedVersion: current?.version ?? 0 },
      );
      return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    },
    async close() {
      await resolver.close();
      await api.close();
      await store.close();
    },
  });
}

/** The canonical Google scope URL of a short name. */
export const googleScope = (name: string) => `https://www.googleapis.com/auth/${name}`;

/**
 * One stack for the calling test file: started before its tests, closed after them, its clock reset to
 * now before each test. Returns the stack (usable inside tests and hooks).
 */
export function useStack(): Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(() => {
    if (stack !== undefined) stack.now = Date.now();
  });
  return new Proxy({} as Stack, {
    get: (_, property) => Reflect.get(stack as Stack, property),
    set: (_, property, value) => Reflect.set(stack as Stack, property, value),
  });
}

let users = 0;
/** A fresh account per test: the tests of a file share the servers, never credentials. */
export const user = (name: string) => `${name}-${++users}@example.com`;
