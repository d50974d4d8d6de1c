// Benchmark of @credstack/google against a baseline measured in the same run: a tool call through the
// service factory (cached client; scope check and token through resolve(), bearer JWT verified) versus
// the same @googleapis/drive call with a client built by hand around a static token. Both call the
// provider-shaped Drive API of @credstack/test-services on loopback. Run after `pnpm build`.
// Bounded: at most `count` calls or `maxMs` per round.
import { generateKeyPairSync, sign } from "node:crypto";
import {
  createAuthorizer,
  createRefresher,
  createResolver,
  defaultChain,
  memorySessionStore,
} from "@credstack/core";
import { memoryStore } from "@credstack/storage";
import { startApiServer } from "@credstack/test-services";
import { drive } from "@googleapis/drive";
import { OAuth2Client } from "google-auth-library";
import { createGoogleServices, googleService } from "../dist/index.js";
import { withGoogleService } from "../dist/mcp.js";

async function round(fn, { count = 1500, maxMs = 1500 } = {}) {
  const timings = [];
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < maxMs; i++) {
    const start = performance.now();
    await fn();
    timings.push(performance.now() - start);
  }
  return timings;
}

function stats(timings) {
  const sorted = [...timings].sort((a, b) => a - b);
  const total = sorted.reduce((sum, ms) => sum + ms, 0);
  return {
    opsPerSec: (sorted.length / total) * 1000,
    p50Us: (sorted[Math.floor(sorted.length / 2)] ?? 0) * 1000,
    p99Us: (sorted[Math.floor(sorted.length * 0.99)] ?? 0) * 1000,
    n: sorted.length,
  };
}

const api = await startApiServer();
const redirectUri = "http://127.0.0.1:9/callback";
const providers = { google: api.providerConfig(redirectUri, "google") };
const issuer = "https://as.example";
const audience = "https://mcp.example/mcp";
const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const encode = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const exp = Math.floor(Date.now() / 1000) + 3600;
const input = `${encode({ alg: "ES256", typ: "JWT" })}.${encode({ iss: issuer, aud: audience, sub: "alice", email: "alice@example.com", exp })}`;
const jwt = `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;

const store = memoryStore();
const scopes = ["https://www.googleapis.com/auth/drive.readonly"];
const tokens = api.grant("alice@example.com", scopes);
await store.put(
  {
    provider: "google",
    account: "alice@example.com",
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt,
    scopes,
  },
  { expectedVersion: 0 },
);
const refresher = createRefresher({ store, providers });
const authorizer = createAuthorizer({ store, providers, refresher });
const sessions = memorySessionStore();
const session = await sessions.create({ identityId: "alice", account: "alice@example.com" });
const resolver = createResolver({
  chain: defaultChain({
    bearer: { jwks: async () => publicKey, issuer, audience },
    sessions,
    refresher,
    authorizer,
  }),
  providers,
});

const google = createGoogleServices({
  resolver,
  apis: { drive },
  clientOptions: { rootUrl: api.googleRootUrl },
});
const tool = withGoogleService(
  google,
  googleService("drive", "v3", { scopes: ["drive_read"] }),
  async ({ service }) => {
    const { data } = await service.files.list({ pageSize: 10 });
    return { content: [{ type: "text", text: data.files?.[0]?.name ?? "" }] };
  },
);
const signal = new AbortController().signal;
const jwtExtra = { authInfo: { token: jwt, clientId: "bench", scopes: [] }, signal };
const sessionExtra = { requestInfo: { headers: { cookie: `credstack_session=${session.id}` } }, signal };
const toolCall = (extra) => async () => {
  const result = await tool({}, extra);
  if (result.isError) throw new Error("tool failed");
};
const viaJwt = toolCall(jwtExtra);
const viaSession = toolCall(sessionExtra);

const staticAuth = new OAuth2Client();
staticAuth.setCredentials({ access_token: tokens.accessToken, expiry_date: tokens.expiresAt });
const byHand = drive({ version: "v3", auth: staticAuth, rootUrl: api.googleRootUrl });
const direct = async () => {
  const { data } = await byHand.files.list({ pageSize: 10 });
  if (data.files?.[0]?.name === undefined) throw new Error("call failed");
};

// Warm up, then alternate rounds so drift (this machine is shared) hits every case alike.
const cases = [
  { name: "drive files.list, client by hand, static token (baseline)", fn: direct, timings: [] },
  { name: "tool via withGoogleService, caller from a session cookie", fn: viaSession, timings: [] },
  { name: "tool via withGoogleService, caller from a bearer JWT (ES256 verified)", fn: viaJwt, timings: [] },
];
for (let i = 0; i < 300; i++) for (const c of cases) await c.fn();
for (let r = 0; r < 8; r++) {
  for (const c of cases) c.timings.push(...(await round(c.fn, { count: 300, maxMs: 600 })));
}
const results = cases.map((c) => ({ name: c.name, ...stats(c.timings) }));
console.table(
  results.map((row) => ({
    case: row.name,
    "ops/s": Math.round(row.opsPerSec),
    "p50 µs": Math.round(row.p50Us),
    "p99 µs": Math.round(row.p99Us),
    n: row.n,
  })),
);
const [baseline, ...others] = results;
for (const row of others) {
  console.log(
    `${row.name}: ${(row.p50Us / baseline.p50Us).toFixed(2)}× the baseline at p50, ${(baseline.opsPerSec / row.opsPerSec).toFixed(2)}× in mean time (target ≤ 1.2×)`,
  );
}
console.log(`clients built: ${google.builds}`);
await resolver.close();
await sessions.close();
await api.close();
await store.close();
