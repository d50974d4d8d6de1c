import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CredentialStore, generateKey, keyToBase64 } from "@credstack/storage";
import { type PostgresServer, type RedisServer, startPostgres, startRedis } from "@credstack/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLegacy, storeFromEnv } from "../src/index.js";
import { allKeys, type LegacyManifest, makeLegacyFixtures } from "./legacy-fixtures.js";
import { legacyGoogle, resolverOver, startForbiddenTokenEndpoint } from "./no-consent-resolver.js";

let fx: ReturnType<typeof makeLegacyFixtures>;
let m: LegacyManifest;
let pg: PostgresServer | undefined;
let redis: RedisServer | undefined;
let pgUrl: string;
let redisUrl: string;
let tokenEndpoint: Awaited<ReturnType<typeof startForbiddenTokenEndpoint>>;

beforeAll(async () => {
  fx = makeLegacyFixtures();
  m = fx.manifest;
  const [p, r] = await Promise.all([
    process.env.CREDSTACK_TEST_PG_URL ? undefined : startPostgres(),
    process.env.CREDSTACK_TEST_REDIS_URL ? undefined : startRedis(),
  ]);
  pg = p;
  redis = r;
  pgUrl = process.env.CREDSTACK_TEST_PG_URL ?? (pg as PostgresServer).url;
  redisUrl = process.env.CREDSTACK_TEST_REDIS_URL ?? (redis as RedisServer).url;
  tokenEndpoint = await startForbiddenTokenEndpoint();
});

afterAll(async () => {
  await tokenEndpoint?.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
  fx?.cleanup();
});

async function serves(store: CredentialStore): Promise<void> {
  const google = legacyGoogle(tokenEndpoint.url);
  const { resolver, refresher } = resolverOver(store, { google, "google-photos": google });
  const before = tokenEndpoint.calls();
  for (const want of Object.values(m.expected)) {
    const provider = want.provider ?? "google";
    const scopes = provider === "google" ? ["https://www.googleapis.com/auth/drive"] : [];
    const result = await resolver.resolve({ provider, account: want.account, scopes });
    expect(result.kind, `${provider}/${want.account}`).toBe("token");
    if (result.kind === "token") {
      const json = want.json as Record<string, unknown>;
      const tokens = json.tokens as Record<string, unknown> | undefined;
      expect(result.accessToken).toBe(json.token ?? json.access_token ?? tokens?.access);
      expect(result.account.toLowerCase()).toBe(want.account);
    }
  }
  expect(tokenEndpoint.calls() - before).toBe(0);
  await refresher.close();
}

describe("legacy directory → file, Postgres and Redis stores → resolver serves the users", () => {
  const key = keyToBase64(generateKey());
  const run = randomBytes(4).toString("hex");
  const targets: Record<string, () => Record<string, string>> = {
    file: () => ({
      CREDENTIAL_STORAGE_MODE: "file_encrypted",
      CREDENTIALS_DIR: join(mkdtempSync(join(tmpdir(), "credstack-e2e-")), "credentials"),
      CREDSTACK_KEY: key,
    }),
    // Fresh names per run: the servers may be shared with other runs.
    postgres: () => ({
      CREDSTACK_STORE: `${pgUrl}?table=compat_e2e_${run}&schema=compat`,
      CREDSTACK_KEY: key,
    }),
    redis: () => ({ CREDSTACK_STORE: `${redisUrl}?prefix=compat-e2e-${run}`, CREDSTACK_KEY: key }),
  };
  for (const [name, env] of Object.entries(targets)) {
    it(`${name}: imports every variant, idempotently, and serves without re-authorization`, async () => {
      const { store, kind } = await storeFromEnv(env());
      expect(kind).toBe(name);
      try {
        const report = await importLegacy({ dir: fx.dir, to: store, keys: allKeys(m), mapping: m.mapping });
        expect(report.imported).toBe(Object.keys(m.expected).length);
        expect(report.failed).toBe(Object.keys(m.failures).length);
        const again = await importLegacy({ dir: fx.dir, to: store, keys: allKeys(m), mapping: m.mapping });
        expect(again.imported).toBe(0);
        await serves(store);
      } finally {
        await store.close();
      }
    });
  }
});
