// Benchmarks for @credstack/storage-postgres against the raw driver doing the same round trip
// (pool.query with the same SQL shape), measured in the same run. Needs `pnpm build` first (turbo
// does that). Uses CREDSTACK_TEST_PG_URL, or starts a throwaway PostgreSQL (@credstack/test-services).
import { aesGcmCipher, bindingOf, formatOneCipher, generateKey } from "@credstack/storage";
import pg from "pg";
import { rateTarget, ratioTarget, writeResults } from "../../../scripts/bench-results.mjs";
import { interleave } from "../../../scripts/bench-timing.mjs";
import { postgresStore } from "../dist/index.js";

const bulkSize = 10_000;

let server;
let url = process.env.CREDSTACK_TEST_PG_URL;
if (!url) {
  const { startPostgres } = await import("@credstack/test-services");
  server = await startPostgres();
  url = server.url;
}
const schema = `bench_${process.pid}`;
const pool = new pg.Pool({ connectionString: url, max: 16 });
pool.on("error", () => {});
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const store = postgresStore({ pool, schema, cipher });
// The previous record format (secrets only, clear columns not authenticated), beside it in the same run.
const storeV1 = postgresStore({ pool, schema, cipher: formatOneCipher(cipher) });
const records = `"${schema}"."credstack_credentials"`;

try {
  const key = { provider: "google", account: "bench@example.com" };
  const input = {
    ...key,
    accessToken: `ya29.${"a".repeat(180)}`,
    refreshToken: `1//${"r".repeat(100)}`,
    expiresAt: Date.now() + 3_600_000,
    scopes: ["openid", "email", "https://www.googleapis.com/auth/drive.readonly"],
    issuer: "https://accounts.google.com",
    clientId: "123.apps.googleusercontent.com",
  };
  await store.put(input, { expectedVersion: 0 });
  // The statement the store sends — its text and, when the store prepares it, its name — seen by
  // wrapping the driver's Client#query for one call. The baselines send it the same way (a named
  // statement is parsed and planned once per connection: the same server work for both sides).
  const statementOf = async (fn, starts) => {
    const sent = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (config, ...rest) {
      sent.push(typeof config === "string" ? { text: config } : { text: config.text, name: config.name });
      return query.call(this, config, ...rest);
    };
    try {
      await fn();
    } finally {
      pg.Client.prototype.query = query;
    }
    const statement = sent.find((s) => s.text.trimStart().startsWith(starts));
    if (statement === undefined) throw new Error(`no ${starts} statement seen: ${JSON.stringify(sent)}`);
    return statement;
  };
  const select = await statementOf(() => store.get(key), "SELECT");
  const current = await store.get(key);
  const update = await statementOf(() => store.put(current, { expectedVersion: current.version }), "UPDATE");
  const { rows } = await pool.query({ ...select, values: [key.provider, Buffer.from(key.account)] });
  const row = rows[0];
  // The store reads scopes as JSON text (selectList) and writes them as a text[] parameter (an array).
  const scopes = JSON.parse(row.scopes);
  const binding = bindingOf(key);
  const opened = await cipher.decrypt(row.sealed, binding);

  // 16 slots for each side, handed out from a free list, so no two puts in flight share a row.
  const slots = 16;
  const storeSlots = [];
  for (let n = 0; n < slots; n++) {
    storeSlots.push(await store.put({ ...input, account: `put-${n}@example.com` }, { expectedVersion: 0 }));
  }
  const rawSlots = [];
  for (let n = 0; n < slots; n++) {
    const account = Buffer.from(`raw-${n}@example.com`);
    await pool.query(
      `INSERT INTO ${records} SELECT provider, $1, $1, token_type, expires_at, scopes, issuer, client_id, sealed, has_refresh_token, 1, created_at, updated_at FROM ${records} WHERE account_key = $2`,
      [account, Buffer.from(key.account)],
    );
    rawSlots.push({ account, version: 1 });
  }
  const withSlot = (free, fn) => async () => {
    const slot = free.pop();
    try {
      await fn(slot);
    } finally {
      free.push(slot);
    }
  };
  const storePut = withSlot(
    storeSlots.map((_, n) => n),
    async (n) => {
      const record = storeSlots[n];
      storeSlots[n] = await store.put(
        { ...record, accessToken: `${input.accessToken}${record.version % 10}` },
        { expectedVersion: record.version },
      );
    },
  );
  // The baselines: pool.query with the statement the store sent, plus the same AES-256-GCM work.
  const rawGet = async () => {
    const result = await pool.query({ ...select, values: [key.provider, Buffer.from(key.account)] });
    return cipher.decrypt(result.rows[0].sealed, binding);
  };
  const rawPut = withSlot(
    rawSlots.map((_, n) => n),
    async (n) => {
      const slot = rawSlots[n];
      const sealed = await cipher.encrypt(opened, binding);
      const values = [
        key.provider,
        slot.account,
        slot.account,
        row.token_type,
        row.expires_at,
        scopes,
        row.issuer,
        row.client_id,
        sealed,
        true,
        slot.version + 1,
        row.created_at,
        Date.now(),
        slot.version,
      ];
      const result = await pool.query({ ...update, values });
      if (result.rowCount !== 1) throw new Error("raw CAS lost");
      slot.version++;
    },
  );

  const results = [];
  const targets = [];
  for (const inFlight of [1, 16]) {
    const get = await interleave(() => store.get(key), rawGet, { inFlight, rounds: 6, perRound: 300 });
    results.push([`get, ${inFlight} in flight`, get, "pool.query same SELECT + AES-GCM open"]);
    targets.push(
      ratioTarget(`get p50, ${inFlight} in flight`, get.candidate.p50, get.baseline.p50, 1.3, "µs"),
    );
    const put = await interleave(storePut, rawPut, { inFlight, rounds: 6, perRound: 300 });
    results.push([`put (CAS), ${inFlight} in flight`, put, "pool.query same UPDATE + AES-GCM seal"]);
    targets.push(
      ratioTarget(`put p50, ${inFlight} in flight`, put.candidate.p50, put.baseline.p50, 1.3, "µs"),
    );
    if (inFlight === 16) {
      targets.push(
        rateTarget(
          "get throughput, 16 in flight",
          get.candidate.opsPerSec,
          get.baseline.opsPerSec,
          1.3,
          "ops/s",
        ),
      );
      targets.push(
        rateTarget(
          "put throughput, 16 in flight",
          put.candidate.opsPerSec,
          put.baseline.opsPerSec,
          1.3,
          "ops/s",
        ),
      );
    }
  }

  // Whole-record authentication (format 2) against the previous format (1), alternating.
  const keyV1 = { provider: "google", account: "bench-v1@example.com" };
  let currentV1 = await storeV1.put({ ...input, ...keyV1 }, { expectedVersion: 0 });
  let currentV2 = await store.get(key);
  results.push([
    "get, whole-record seal (format 2)",
    await interleave(
      () => store.get(key),
      () => storeV1.get(keyV1),
      { rounds: 4, perRound: 250 },
    ),
    "get, previous format (1)",
  ]);
  results.push([
    "put, whole-record seal (format 2)",
    await interleave(
      async () => {
        currentV2 = await store.put(currentV2, { expectedVersion: currentV2.version });
      },
      async () => {
        currentV1 = await storeV1.put(currentV1, { expectedVersion: currentV1.version });
      },
      { rounds: 4, perRound: 250 },
    ),
    "put, previous format (1)",
  ]);

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
  console.log("\n@credstack/storage-postgres benchmarks (store and baseline in alternating rounds)\n");
  console.log("| operation | ops/s | p50 µs | baseline | baseline ops/s | baseline p50 µs | ratio (p50) |");
  console.log("|---|---:|---:|---|---:|---:|---:|");
  for (const [name, { candidate: m, baseline: b }, baseName] of results) {
    console.log(
      `| ${name} | ${fmt(m.opsPerSec)} | ${fmt(m.p50)} | ${baseName} | ${fmt(b.opsPerSec)} | ${fmt(b.p50)} | ${(m.p50 / b.p50).toFixed(2)}× |`,
    );
  }
  console.log(
    `| store.putMany ${bulkSize} records | ${fmt(bulkSize / bulkSeconds)} records/s | — | total ${(bulkSeconds * 1000).toFixed(0)} ms | | | |`,
  );
  console.log(
    "\ntarget: store p50 within 1.3× of the raw driver + AES-GCM for get and put, 1 and 16 in flight",
  );
  writeResults("storage-postgres", targets);
} finally {
  await store.close();
  await store.close();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await pool.end();
  await server?.stop();
}
