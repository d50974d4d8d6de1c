import { type CredentialStore, memoryStore } from "@credstack/storage";
import {
  type AccountLinks,
  createAuthorizer,
  createRefresher,
  createResolver,
  type DefaultChainOptions,
  defaultChain,
  type ProviderConfig,
  type RefreshEvent,
} from "../../src/index.js";
import type { AuthServer } from "./auth-server.js";
import { manualClock } from "./clock.js";

export const alice = "alice@example.com";
export const testScopes = ["openid", "offline_access", "api:read"];

/**
 * One provider, `test`, whose endpoints are on loopback port 9 (discard), where nothing listens: for
 * tests that never reach a token endpoint, only the resolver's wiring.
 */
export const loopbackProviders = {
  test: {
    issuer: "http://127.0.0.1:9",
    authorization_endpoint: "http://127.0.0.1:9/auth",
    token_endpoint: "http://127.0.0.1:9/token",
    clientId: "c",
    redirectUri: "http://127.0.0.1:9/cb",
    scopes: "plain" as const,
    allowInsecureRequests: true,
  },
};

/** A resolver over a memory store with a manual clock, wired like production. */
export function setup(
  providers: Record<string, ProviderConfig>,
  options: {
    store?: CredentialStore;
    cooldownMs?: number;
    trustAccountArgument?: boolean;
    accountLinks?: AccountLinks;
    chain?: Omit<DefaultChainOptions, "refresher" | "authorizer">;
    cacheMs?: number;
  } = {},
) {
  const clock = manualClock();
  const store = options.store ?? memoryStore({ now: clock });
  const events: RefreshEvent[] = [];
  const refresher = createRefresher({
    store,
    providers,
    clock,
    cooldownMs: options.cooldownMs ?? 30_000,
    onEvent: (event) => events.push(event),
    ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }),
  });
  const authorizer = createAuthorizer({ store, providers, refresher, clock });
  const resolver = createResolver({
    chain: defaultChain({ ...options.chain, refresher, authorizer }),
    clock,
    providers,
    trustAccountArgument: options.trustAccountArgument ?? true,
    ...(options.accountLinks === undefined ? {} : { accountLinks: options.accountLinks }),
  });
  return { clock, store, refresher, authorizer, resolver, events };
}

/** Runs the real code + PKCE flow for `account` and returns the stored record. */
export async function signIn(
  server: AuthServer,
  parts: ReturnType<typeof setup>,
  provider = "test",
  account = alice,
) {
  const result = await parts.resolver.resolve({ provider, account, scopes: testScopes });
  if (result.kind !== "authorization_required")
    throw new Error(`expected authorization_required, got ${result.kind}`);
  return parts.authorizer.handleCallback(await server.authorize(result.url, account));
}

/** Moves a stored record's expiry to `expiresAt` (CAS), keeping its tokens. */
export async function setExpiry(
  store: CredentialStore,
  key: { provider: string; account: string },
  expiresAt: number,
) {
  const current = await store.get(key);
  if (current === undefined) throw new Error("no record");
  return store.put({ ...current, expiresAt }, { expectedVersion: current.version });
}

/**
 * Makes the stored credential of `alice` expired, as another process would (straight into the store),
 * and moves the clock past the resolver's 1 s cache of opened records.
 */
export async function expire(parts: ReturnType<typeof setup>, provider = "test", account = alice) {
  await setExpiry(parts.store, { provider, account }, parts.clock() - 1000);
  parts.clock.advance(1001);
}
