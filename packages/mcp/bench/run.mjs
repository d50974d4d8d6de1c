// Benchmarks for @credstack/mcp against baselines measured in the same run (memory store, local keys:
// no network). Run with `pnpm bench` after `pnpm build`. Bounded: at most `count` calls or `maxMs` per row.
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { bearerJwt, createRefresher, createResolver, defaultChain } from "@credstack/core";
import { memoryStore } from "@credstack/storage";
import {
  resolverTokenVerifier,
  storeOAuthClientProvider,
  storeRegisteredClients,
  withProviderToken,
} from "../dist/index.js";

/** ops/s and p50 µs of an async function, after a warm-up. */
async function measure(fn, { count = 3000, maxMs = 1500 } = {}) {
  for (let i = 0; i < 200; i++) await fn(i);
  const timings = [];
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < maxMs; i++) {
    const start = performance.now();
    await fn(i);
    timings.push(performance.now() - start);
  }
  const total = timings.reduce((sum, ms) => sum + ms, 0);
  timings.sort((a, b) => a - b);
  return {
    opsPerSec: (timings.length / total) * 1000,
    p50Us: (timings[Math.floor(timings.length / 2)] ?? 0) * 1000,
  };
}

const issuer = "https://as.example";
const audience = "https://mcp.example/mcp";
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const input = `${encode({ alg: "ES256", typ: "JWT" })}.${encode({ iss: issuer, aud: audience, sub: "u1", email: "a@x.com", scope: "mcp:tools", exp: now + 3600 })}`;
const jwt = `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
const bearer = { jwks: async () => publicKey, issuer, audience };

// Client side: tokens() through the store-backed provider vs the store read it makes.
const clientStore = memoryStore();
const client = storeOAuthClientProvider({
  store: clientStore,
  serverUrl: audience,
  issuer,
  clientMetadata: { redirect_uris: ["http://127.0.0.1:9/cb"] },
});
await client.saveTokens({
  access_token: "a".repeat(40),
  refresh_token: "r".repeat(40),
  token_type: "Bearer",
  expires_in: 3600,
  scope: "mcp:tools",
});
const tokenKey = { provider: "mcp-tokens", account: `default|${audience}|${issuer}` };

// Server side: registered clients.
const clientsStore = memoryStore();
const clients = storeRegisteredClients(clientsStore);
const registered = await clients.registerClient({
  redirect_uris: ["http://127.0.0.1:9/cb"],
  client_name: "bench",
});
const registeredKey = { provider: "mcp-registered-client", account: registered.client_id };

// Verifier and tool helper over the resolver.
const verifier = resolverTokenVerifier(createResolver({ chain: [bearerJwt(bearer)] }));
const toolStore = memoryStore();
await toolStore.put(
  {
    provider: "demo",
    account: "a@x.com",
    accessToken: "t".repeat(40),
    scopes: ["api:read"],
    expiresAt: Date.now() + 3_600_000,
  },
  { expectedVersion: 0 },
);
const config = {
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  clientId: "c",
  redirectUri: "http://127.0.0.1:9/cb",
  scopes: "plain",
};
const refresher = createRefresher({ store: toolStore, providers: { demo: config } });
const resolver = createResolver({ chain: defaultChain({ bearer, refresher }), providers: { demo: config } });
const extra = {
  signal: new AbortController().signal,
  requestId: 1,
  authInfo: { token: jwt, clientId: "", scopes: [] },
};
const tool = withProviderToken(resolver, { provider: "demo", scopes: ["api:read"] }, ({ token }) => ({
  content: [{ type: "text", text: token.account }],
}));
const request = { headers: { authorization: `Bearer ${jwt}` } };
const [signed, signature] = [
  jwt.slice(0, jwt.lastIndexOf(".")),
  Buffer.from(jwt.slice(jwt.lastIndexOf(".") + 1), "base64url"),
];

let sink = 0;
const rows = [
  [
    "provider.tokens()",
    () => client.tokens().then((t) => (sink += t.access_token.length)),
    "store.get of the same record",
    () => clientStore.get(tokenKey).then((r) => (sink += r.version)),
  ],
  [
    "provider.saveTokens()",
    (i) => client.saveTokens({ access_token: `a${i}`, token_type: "Bearer", expires_in: 3600 }),
    "store.get + store.put (CAS)",
    async (i) => {
      const r = await clientStore.get(tokenKey);
      await clientStore.put({ ...r, accessToken: `b${i}` }, { expectedVersion: r.version });
    },
  ],
  [
    "clients.getClient()",
    () => clients.getClient(registered.client_id).then((c) => (sink += c.client_id.length)),
    "store.get of the same record",
    () => clientsStore.get(registeredKey).then((r) => (sink += r.version)),
  ],
  [
    "verifier.verifyAccessToken()",
    () => verifier.verifyAccessToken(jwt).then((a) => (sink += a.scopes.length)),
    "crypto.verify of the same ES256 signature",
    async () => {
      if (verify("sha256", Buffer.from(signed), { key: publicKey, dsaEncoding: "ieee-p1363" }, signature))
        sink++;
    },
  ],
  [
    "withProviderToken tool call",
    () => tool(extra).then((r) => (sink += r.content.length)),
    "resolver.resolve (same call)",
    () =>
      resolver
        .resolve({ request, provider: "demo", scopes: ["api:read"] })
        .then((r) => (sink += r.kind.length)),
  ],
];

console.log("\n@credstack/mcp benchmarks (memory store, local keys; ops/s and median µs per call)\n");
console.log("| operation | ops/s | p50 µs | baseline | baseline ops/s | baseline p50 µs | ratio |");
console.log("|---|---:|---:|---|---:|---:|---:|");
for (const [name, fn, baselineName, baseline] of rows) {
  const measured = await measure(fn);
  const base = await measure(baseline);
  console.log(
    `| ${name} | ${measured.opsPerSec.toFixed(0)} | ${measured.p50Us.toFixed(1)} | ${baselineName} | ${base.opsPerSec.toFixed(0)} | ${base.p50Us.toFixed(1)} | ${(measured.p50Us / base.p50Us).toFixed(2)}× |`,
  );
}
await resolver.close();
if (sink < 0) console.log(sink);
