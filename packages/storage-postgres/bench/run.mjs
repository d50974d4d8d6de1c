// Benchmarks for @credstack/storage-postgres against the raw driver doing the same round trip
// (pool.query with the same SQL shape), measured in the same run. Needs `pnpm build` first (turbo
// does that). Uses CREDSTACK_TEST_PG_URL, or starts a throwaway PostgreSQL (@credstack/test-services).
import { aesGcmCipher, formatOneCipher, generateKey } from "@credstack/storage";
import pg from "pg";
import { postgresStore } from "../dist/index.js";

const rounds = 2_000; // per operation, after warm-up; bounded in count, and a few seconds on 2 cores
const bulkSize = 10_000;

let server;
let url = process.env.CREDSTACK_TEST_PG_URL;
if (!url) {
  const { startPostgres } = await import("@credstack/test-services");
  server = await startPostgres();
  url = server.url;
}
const schema = `bench_${process.pid}`;
const pool = new pg.Pool({ connectionString: url, max: 4 });
pool.on("error", () => {});
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const store = postgresStore({ pool, schema, cipher });
// The previous record format (secrets only, clear columns not authenticated), beside it in the same run.
const storeV1 = postgresStore({ pool, schema, cipher: formatOneCipher(cipher) });
const records = `"${schema}"."credstack_credentials"`;

/** p50 in µs and ops/s of `samples` timed calls. */
function summarize(times, seconds) {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)], opsPerSecond: times.length / seconds };
}

/**
 * Times the adapter and its baseline call by call, alternating (A, B, A, B, …) after a warm-up, so that
 * both see the same machine load: on a shared 2-core box, measuring one after the other is mostly noise.
 */
async function measurePair(adapter, baseline) {
  for (let i = 0; i < 300; i++) {
    await adapter(i);
    await baseline(i);
  }
  const times = [[], []];
  const seconds = [0, 0];
  for (let i = 0; i < rounds; i++) {
    for (const [index, fn] of [adapter, baseline].entries()) {
      const t = process.hrtime.bigint();
      await fn(i);
      const ns = Number(process.hrtime.bigint() - t);
      times[index].push(ns / 1000);
      seconds[index] += ns / 1e9;
    }
  }
  return [summarize(times[0], seconds[0]), summarize(times[1], seconds[1])];
}

try {
  const key = { provider: "google", account: "bench@example.com" };
  let current = await store.put(
    {
      ...key,
      accessToken: "a".repeat(200),
      refreshToken: "r".repeat(100),
      expiresAt: Date.now() + 3_600_000,
      scopes: ["openid", "email"],
    },
    { expectedVersion: 0 },
  );
  const keyBytes = Buffer.from(key.account);
  const columns =
    "provider, account_key, account, token_type, expires_at, scopes, issuer, client_id, sealed, has_refresh_token, version, created_at, updated_at";
  const { rows } = await pool.query(
    `SELECT ${columns} FROM ${records} WHERE provider = $1 AND account_key = $2`,
    [key.provider, keyBytes],
  );
  const row = rows[0];

  const [getAdapter, getRaw] = await measurePair(
    () => store.get(key),
    () =>
      pool.query(`SELECT ${columns} FROM ${records} WHERE provider = $1 AND account_key = $2`, [
        key.provider,
        keyBytes,
      ]),
  );
  let rawVersion = 1_000_000;
  await pool.query(
    `INSERT INTO ${records} SELECT provider, $1, $1, token_type, expires_at, scopes, issuer, client_id, sealed, has_refresh_token, $2, created_at, updated_at FROM ${records} WHERE account_key = $3`,
    [Buffer.from("raw@example.com"), rawVersion, keyBytes],
  );
  const rawKey = Buffer.from("raw@example.com");
  const [putAdapter, putRaw] = await measurePair(
    async () => {
      current = await store.put(current, { expectedVersion: current.version });
    },
    async () => {
      const result = await pool.query(
        `UPDATE ${records} SET account = $3, token_type = $4, expires_at = $5, scopes = $6, issuer = $7, client_id = $8,
         sealed = $9, has_refresh_token = $10, version = $11, updated_at = $12
       WHERE provider = $1 AND account_key = $2 AND version = $13 RETURNING created_at`,
        [
          key.provider,
          rawKey,
          rawKey,
          row.token_type,
          row.expires_at,
          row.scopes,
          null,
          null,
          row.sealed,
          true,
          rawVersion + 1,
          Date.now(),
          rawVersion,
        ],
      );
      if (result.rowCount !== 1) throw new Error("raw CAS lost");
      rawVersion++;
    },
  );

  // Whole-record authentication (format 2) against the previous format (1), alternating.
  const keyV1 = { provider: "google", account: "bench-v1@example.com" };
  let currentV1 = await storeV1.put({ ...current, ...keyV1, version: undefined }, { expectedVersion: 0 });
  const [getV2, getV1] = await measurePair(
    () => store.get(key),
    () => storeV1.get(keyV1),
  );
  const [putV2, putV1] = await measurePair(
    async () => {
      current = await store.put(current, { expectedVersion: current.version });
    },
    async () => {
      currentV1 = await storeV1.put(currentV1, { expectedVersion: currentV1.version });
    },
  );

  const now = Date.now();
  const bulk = Array.from({ length: bulkSize }, (_, i) => ({
    provider: "bulk",
    account: `user${i}@example.com`,
    accessToken: `token-${i}`,
    tokenType: "Bearer",
    scopes: ["openid"],
    expiresAt: now + i * 1000,
    createdAt: now,
    updatedAt: now,
    version: 1,
  }));
  const bulkStart = process.hrtime.bigint();
  const outcomes = await store.putMany(bulk);
  const bulkSeconds = Number(process.hrtime.bigint() - bulkStart) / 1e9;
  if (outcomes.filter((o) => o === "written").length !== bulkSize) throw new Error("putMany wrote too few");

  const fmt = (n) => n.toFixed(0);
  console.log(
    `\n@credstack/storage-postgres benchmarks (${rounds} calls each, adapter and baseline alternating, sequential)\n`,
  );
  console.log("| operation | ops/s | p50 µs | baseline | baseline ops/s | baseline p50 µs | ratio (p50) |");
  console.log("|---|---:|---:|---|---:|---:|---:|");
  const line = (name, m, baseName, b) =>
    console.log(
      `| ${name} | ${fmt(m.opsPerSecond)} | ${fmt(m.p50)} | ${baseName} | ${fmt(b.opsPerSecond)} | ${fmt(b.p50)} | ${(m.p50 / b.p50).toFixed(2)}× |`,
    );
  line("store.get (open + validate)", getAdapter, "pool.query same SELECT", getRaw);
  line("store.put (CAS update, seal)", putAdapter, "pool.query same UPDATE … WHERE version", putRaw);
  line("store.get, whole-record seal (format 2)", getV2, "store.get, previous format (1)", getV1);
  line("store.put, whole-record seal (format 2)", putV2, "store.put, previous format (1)", putV1);
  console.log(
    `| store.putMany ${bulkSize} records | ${fmt(bulkSize / bulkSeconds)} records/s | — | total ${(bulkSeconds * 1000).toFixed(0)} ms | | | |`,
  );
  console.log(
    "\ntarget: adapter p50 within 1.3× of the raw driver for get and put; format 2 within 1.05× of format 1",
  );
} finally {
  await store.close();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await pool.end();
  await server?.stop();
}
