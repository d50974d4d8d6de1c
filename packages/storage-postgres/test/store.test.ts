import { accountKey, type CredentialKey, type CredentialRecord, compareKeys } from "@credstack/storage";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExpiringKey, migrateSchema, type PostgresStore, postgresStore } from "../src/index.js";
import { adminPool, dropSchema, freshSchema, pgUrl, testCipher } from "./pg-env.js";

const admin = adminPool();
const schema = freshSchema("store");
const cipher = testCipher();
const stores: PostgresStore[] = [];
const open = (table: string, extra: Partial<Parameters<typeof postgresStore>[0]> = {}): PostgresStore => {
  const store = postgresStore({ connectionString: pgUrl(), cipher, schema, table, ...extra });
  stores.push(store);
  return store;
};
const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};
const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => "resolved",
    (error: { code?: string }) => error.code,
  );

afterAll(async () => {
  for (const store of stores) await store.close();
  await dropSchema(admin, schema);
  await admin.end();
});

describe("schema", () => {
  it("migrates once, idempotently, and records the version", async () => {
    expect(await migrateSchema(admin, { schema, table: "layout" })).toEqual([1, 2]);
    expect(await migrateSchema(admin, { schema, table: "layout" })).toEqual([]);
    const { rows } = await admin.query(`SELECT version FROM "${schema}".layout_migrations`);
    expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it("has the documented columns, primary key and partial expiry index", async () => {
    await migrateSchema(admin, { schema, table: "layout" });
    const { rows } = await admin.query<{
      column_name: string;
      data_type: string;
      collation_name: string | null;
    }>(
      `SELECT column_name, data_type, collation_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'layout' ORDER BY ordinal_position`,
      [schema],
    );
    expect(rows.map((row) => `${row.column_name}:${row.data_type}`)).toEqual([
      "provider:text",
      "account_key:bytea",
      "account:bytea",
      "token_type:text",
      "expires_at:bigint",
      "scopes:ARRAY",
      "issuer:text",
      "client_id:text",
      "sealed:bytea",
      "has_refresh_token:boolean",
      "version:bigint",
      "created_at:bigint",
      "updated_at:bigint",
    ]);
    expect(rows[0]?.collation_name).toBe("C");
    const indexes = await admin.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'layout' ORDER BY indexname",
      [schema],
    );
    const defs = indexes.rows.map((row) => row.indexdef).join("\n");
    expect(defs).toMatch(/UNIQUE INDEX layout_pkey .*\(provider, account_key\)/);
    expect(defs).toMatch(
      /layout_expires_at_idx .*\(expires_at, provider, account_key\) WHERE \(expires_at IS NOT NULL\)/,
    );
  });

  it("is safe when several processes migrate a new schema at once", async () => {
    const fresh = freshSchema("race");
    const pools = [1, 2, 3, 4].map(() => new pg.Pool({ connectionString: pgUrl(), max: 1 }));
    try {
      const applied = await Promise.all(pools.map((pool) => migrateSchema(pool, { schema: fresh })));
      expect(applied.flat()).toEqual([1, 2]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await dropSchema(admin, fresh);
    }
  });

  it("with migrate: false, does no DDL and fails as unavailable on a missing table", async () => {
    const store = open("never_created", { migrate: false });
    expect(await codeOf(store.get({ provider: "google", account: "a@x.com" }))).toBe("ERR_STORE_UNAVAILABLE");
    const { rows } = await admin.query("SELECT to_regclass($1) AS t", [`"${schema}".never_created`]);
    expect(rows[0].t).toBeNull();
  });

  it("rejects bad options", () => {
    expect(() => postgresStore({ cipher } as never)).toThrow(/exactly one/);
    expect(() => postgresStore({ cipher, connectionString: pgUrl(), pool: admin })).toThrow(/exactly one/);
    expect(() => postgresStore({ cipher, connectionString: pgUrl(), table: 'x"; drop' })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
    expect(() => postgresStore({ cipher, connectionString: pgUrl(), statementTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });
});

describe("accounts as bytes", () => {
  const accounts = [
    "nul\u0000byte@x.com",
    "nul\u0000",
    "emoji-😀@x.com",
    "Émile@X.com",
    "x".repeat(10_240),
    "z@x.com",
  ];

  it("round-trips NUL, emoji and 10 kB accounts, stores the key as UTF-8 bytes, lists in compareKeys order", async () => {
    const store = open("accounts");
    for (const account of accounts) {
      await store.put(
        { provider: "google", account, accessToken: `t-${account.length}` },
        { expectedVersion: 0 },
      );
    }
    for (const account of accounts) {
      const record = await store.get({ provider: "google", account: ` ${account.toUpperCase()} ` });
      expect(record?.account).toBe(account);
      expect(record?.accessToken).toBe(`t-${account.length}`);
    }
    const { rows } = await admin.query<{ account_key: Buffer; account: Buffer }>(
      `SELECT account_key, account FROM "${schema}".accounts`,
    );
    expect(rows.map((row) => row.account_key.toString("utf8")).sort()).toEqual(
      accounts.map(accountKey).sort(),
    );
    const expected = accounts
      .map((account) => ({ provider: "google", account: accountKey(account) }))
      .sort(compareKeys);
    expect(await collect(store.list())).toEqual(expected);
    expect(await collect(store.list({ after: expected[1] as CredentialKey, limit: 2 }))).toEqual(
      expected.slice(2, 4),
    );
  });

  it("refuses clear text fields PostgreSQL text cannot hold, writing nothing", async () => {
    const store = open("accounts");
    const key = { provider: "google", account: "text@x.com" };
    expect(await codeOf(store.put({ ...key, scopes: ["a\u0000b"] }, { expectedVersion: 0 }))).toBe(
      "ERR_INVALID_RECORD",
    );
    expect(await codeOf(store.put({ ...key, issuer: "\uD800" }, { expectedVersion: 0 }))).toBe(
      "ERR_INVALID_RECORD",
    );
    expect(await store.get(key)).toBeUndefined();
  });
});

describe("scopes", () => {
  const scopes = [
    "openid",
    'with "quotes", commas, {braces} and \\backslashes\\',
    "NULL",
    "spaces  and\ttabs\nnewline",
    "ünïcödé 😀 https://www.googleapis.com/auth/drive",
  ];

  it("come back exactly as written, in order, through get and getMany", async () => {
    const store = open("scopes");
    const key = { provider: "google", account: "scopes@x.com" };
    await store.put({ ...key, accessToken: "t", scopes }, { expectedVersion: 0 });
    expect((await store.get(key))?.scopes).toEqual(scopes);
    const [many] = await store.getMany([key]);
    expect(many?.record?.scopes).toEqual(scopes);
  });

  it("are read the same from a pool whose own json and text[] parsers return raw text", async () => {
    // A pool passed in may carry its own type parsers; the store must not depend on them.
    const raw = (oid: number) => oid === 114 || oid === 3802 || oid === 1009;
    const pool = new pg.Pool({
      connectionString: pgUrl(),
      max: 2,
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          raw(oid)
            ? (value: string) => value
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    const key = { provider: "google", account: "own-pool@x.com" };
    await open("scopes").put({ ...key, accessToken: "t", scopes }, { expectedVersion: 0 });
    try {
      const store = postgresStore({ pool, cipher, schema, table: "scopes", migrate: false });
      expect((await store.get(key))?.scopes).toEqual(scopes);
      await store.close();
    } finally {
      await pool.end();
    }
  });
});

describe("writes", () => {
  it("keeps the stored createdAt on an update whatever the input says", async () => {
    let clock = 1_000;
    const store = open("writes", { now: () => clock });
    const key = { provider: "github", account: "kept@x.com" };
    const first = await store.put(key, { expectedVersion: 0 });
    clock = 2_000;
    const second = await store.put({ ...first, createdAt: 5 }, { expectedVersion: 1 });
    expect(second).toMatchObject({ createdAt: 1_000, updatedAt: 2_000, version: 2 });
    expect(await store.get(key)).toMatchObject({ createdAt: 1_000, updatedAt: 2_000, version: 2 });
  });
});

describe("listExpiringBefore", () => {
  let store: PostgresStore;
  beforeAll(async () => {
    store = open("expiring");
    const expiries = [500, 100, 300, 300, undefined, 900, 200];
    await Promise.all(
      expiries.map((expiresAt, index) =>
        store.put(
          {
            provider: "google",
            account: `e${index}@x.com`,
            ...(expiresAt === undefined ? {} : { expiresAt }),
          },
          { expectedVersion: 0 },
        ),
      ),
    );
  });

  it("lists keys expiring before t, soonest first, with limit and after", async () => {
    const all = await collect(store.listExpiringBefore(600));
    expect(all.map((entry) => `${entry.account}:${entry.expiresAt}`)).toEqual([
      "e1@x.com:100",
      "e6@x.com:200",
      "e2@x.com:300",
      "e3@x.com:300",
      "e0@x.com:500",
    ]);
    expect(await collect(store.listExpiringBefore(600, { limit: 2, after: all[1] as ExpiringKey }))).toEqual(
      all.slice(2, 4),
    );
    expect(await collect(store.listExpiringBefore(100))).toEqual([]);
  });

  it("is served by the partial expiry index", async () => {
    const client = await admin.connect();
    try {
      await client.query("SET enable_seqscan = off");
      const plan = await client.query(
        `EXPLAIN SELECT provider, account_key, expires_at FROM "${schema}".expiring
         WHERE expires_at IS NOT NULL AND expires_at < 600 ORDER BY expires_at, provider, account_key LIMIT 500`,
      );
      expect(plan.rows.map((row) => row["QUERY PLAN"]).join("\n")).toMatch(/expiring_expires_at_idx/);
    } finally {
      client.release();
    }
  });
});

describe("putMany", () => {
  const record = (index: number, version: number, token = `v${version}`): CredentialRecord =>
    ({
      provider: "google",
      account: `bulk${index}@x.com`,
      accessToken: token,
      tokenType: "Bearer",
      scopes: ["openid"],
      createdAt: 1,
      updatedAt: 2,
      version,
    }) as CredentialRecord;

  it("copies across batches, skips same or older versions, and handles repeated keys in order", async () => {
    const store = open("bulk");
    await store.put({ ...record(3, 5), version: 5 }, { expectedVersion: 0, copy: true });
    const batch = [
      ...Array.from({ length: 1200 }, (_, index) => record(index, 4)),
      record(10, 2), // repeats bulk10 with an older version: skipped
      record(11, 9), // repeats bulk11 with a newer version: written
    ];
    const outcomes = await store.putMany(batch);
    expect(outcomes).toHaveLength(1202);
    expect(outcomes.filter((outcome) => outcome === "written")).toHaveLength(1200);
    expect(outcomes[3]).toBe("skipped");
    expect(outcomes.slice(-2)).toEqual(["skipped", "written"]);
    expect(await store.get({ provider: "google", account: "bulk3@x.com" })).toMatchObject({ version: 5 });
    expect(await store.get({ provider: "google", account: "bulk10@x.com" })).toMatchObject({ version: 4 });
    expect(await store.get({ provider: "google", account: "bulk11@x.com" })).toMatchObject({
      version: 9,
      accessToken: "v9",
    });
    expect(await store.get({ provider: "google", account: "bulk999@x.com" })).toMatchObject({
      createdAt: 1,
      updatedAt: 2,
    });
    expect(await store.putMany(batch.slice(0, 600))).toEqual(new Array(600).fill("skipped"));
  });

  it("validates every record before writing any", async () => {
    const store = open("bulk_invalid");
    const bad = { ...record(2, 1), scopes: [""] } as CredentialRecord;
    expect(await codeOf(store.putMany([record(1, 1), bad]))).toBe("ERR_INVALID_RECORD");
    expect(await collect(store.list())).toEqual([]);
  });
});

describe("connections", () => {
  it("leaks no connection over 1 000 operations on a pool of 5", async () => {
    const pool = new pg.Pool({ connectionString: pgUrl(), max: 5, application_name: "credstack-leak-test" });
    const store = postgresStore({ pool, cipher, schema, table: "leaks" });
    const key = (index: number) => ({ provider: "google", account: `leak${index % 20}@x.com` });
    let ops = 0;
    const versions = new Map<number, number>();
    const worker = async (id: number) => {
      for (let step = 0; step < 125; step++) {
        const index = id * 3 + step;
        ops++;
        switch (step % 8) {
          case 0: {
            const current = await store.get(key(index));
            const outcome = await store
              .put({ ...key(index), accessToken: `a${step}` }, { expectedVersion: current?.version ?? 0 })
              .then(
                (stored) => versions.set(index % 20, stored.version),
                (error: { code?: string }) => error.code,
              );
            if (typeof outcome === "string") expect(outcome).toBe("ERR_VERSION_CONFLICT");
            break;
          }
          case 1:
            expect(await codeOf(store.put(key(index), { expectedVersion: 999 }))).toBe(
              "ERR_VERSION_CONFLICT",
            );
            break;
          case 2:
            for await (const listed of store.list({ limit: 5 })) if (listed) break; // abandoned early
            break;
          case 3:
            await store.lease(key(index), { ttlMs: 5_000 }).then(
              (lease) => lease.release(),
              () => {},
            );
            break;
          case 4:
            await codeOf(store.delete(key(index), { expectedVersion: 12345 }));
            break;
          case 5:
            await store.putMany([]);
            break;
          default:
            await store.get(key(index));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));
    expect(ops).toBe(1000);
    expect(pool.totalCount).toBeLessThanOrEqual(5);
    expect(pool.idleCount).toBe(pool.totalCount);
    expect(pool.waitingCount).toBe(0);
    const { rows } = await admin.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'credstack-leak-test'",
    );
    expect(rows[0].n).toBeLessThanOrEqual(5);
    await store.close();
    expect(pool.ended).toBe(false); // a caller's pool stays open
    expect(await codeOf(store.get(key(1)))).toBe("ERR_STORE_UNAVAILABLE");
    await pool.end();
  });
});
