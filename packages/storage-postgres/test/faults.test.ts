import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type PostgresStore, type PostgresStoreOptions, postgresStore } from "../src/index.js";
import { adminPool, dropSchema, freshSchema, pgUrl, testCipher } from "./pg-env.js";

const admin = adminPool();
const schema = freshSchema("faults");
const cipher = testCipher();
const stores: PostgresStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  await dropSchema(admin, schema);
  await admin.end();
});

/** A store whose connections carry their own application_name, so only they get terminated. */
function faultStore(
  table: string,
  extra: Partial<PostgresStoreOptions> = {},
): { store: PostgresStore; app: string } {
  const app = `cs_fault_${randomBytes(4).toString("hex")}`;
  const url = new URL(pgUrl());
  url.searchParams.set("application_name", app);
  const store = postgresStore({ connectionString: url.toString(), cipher, schema, table, ...extra });
  stores.push(store);
  return { store, app };
}

const terminate = async (app: string): Promise<number> => {
  const { rows } = await admin.query(
    "SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t",
    [app],
  );
  return rows[0].n;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The error code and how long the call took. */
async function outcome(promise: Promise<unknown>): Promise<{ code: string; ms: number }> {
  const start = Date.now();
  try {
    await promise;
    return { code: "resolved", ms: Date.now() - start };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? String(error), ms: Date.now() - start };
  }
}

/** Holds a row lock from another connection until `release()`. */
async function lockRows(table: string, accounts: string[]): Promise<() => Promise<void>> {
  const client = await admin.connect();
  await client.query("BEGIN");
  await client.query(`SELECT 1 FROM "${schema}"."${table}" WHERE account_key = ANY($1::bytea[]) FOR UPDATE`, [
    accounts.map((account) => Buffer.from(account)),
  ]);
  return async () => {
    await client.query("ROLLBACK");
    client.release();
  };
}

const key = (account: string) => ({ provider: "google", account });

describe("faults on a real server", () => {
  it("a terminated connection fails the call fast, leaves the old record whole, and the store recovers", async () => {
    const { store, app } = faultStore("terminated");
    const first = await store.put({ ...key("t@x.com"), accessToken: "v1" }, { expectedVersion: 0 });
    const unlock = await lockRows("terminated", ["t@x.com"]);
    try {
      const blocked = outcome(store.put({ ...first, accessToken: "v2" }, { expectedVersion: 1 }));
      await sleep(200); // the UPDATE now waits on the row lock
      const killedAt = Date.now();
      expect(await terminate(app)).toBeGreaterThan(0);
      const result = await blocked;
      expect(result.code).toBe("ERR_STORE_UNAVAILABLE");
      expect(Date.now() - killedAt).toBeLessThan(1000);
    } finally {
      await unlock();
    }
    expect(await store.get(key("t@x.com"))).toMatchObject({ version: 1, accessToken: "v1" });
    expect(await store.put({ ...first, accessToken: "v2" }, { expectedVersion: 1 })).toMatchObject({
      version: 2,
    });
  });

  it("terminating every connection mid-run: only ERR_STORE_UNAVAILABLE, no hang, every record whole afterwards", async () => {
    const { store, app } = faultStore("midrun", {
      statementTimeoutMs: 2000,
      connectTimeoutMs: 2000,
      maxConnections: 4,
    });
    const codes = new Map<string, number>();
    let slowest = 0;
    let stop = false;
    const worker = async (id: number) => {
      const k = key(`w${id}@x.com`);
      while (!stop) {
        const start = Date.now();
        try {
          const current = await store.get(k);
          const count = Number(current?.metadata?.count ?? 0) + 1;
          await store.put(
            { ...k, accessToken: randomBytes(64).toString("hex"), scopes: ["a", "b"], metadata: { count } },
            { expectedVersion: current?.version ?? 0 },
          );
          codes.set("ok", (codes.get("ok") ?? 0) + 1);
        } catch (error) {
          const code = (error as { code?: string }).code ?? String(error);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
        slowest = Math.max(slowest, Date.now() - start);
      }
    };
    const running = Promise.all([0, 1, 2, 3].map(worker));
    // Kill every connection of the store, at least 3 times and until a call was caught in flight (a kill
    // that only hits idle pooled connections fails no call: the pool just drops them).
    for (let round = 0; round < 20 && (round < 3 || !codes.has("ERR_STORE_UNAVAILABLE")); round++) {
      await sleep(150 + Math.floor(Math.random() * 100));
      await terminate(app);
    }
    await sleep(250);
    stop = true;
    await running;
    expect([...codes.keys()].filter((code) => code !== "ok" && code !== "ERR_STORE_UNAVAILABLE")).toEqual([]);
    expect(codes.get("ERR_STORE_UNAVAILABLE") ?? 0).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(2000 + 1000);
    for (const id of [0, 1, 2, 3]) {
      const record = await store.get(key(`w${id}@x.com`)); // validated and opened: whole or absent
      expect(record?.scopes).toEqual(["a", "b"]);
      expect(record?.accessToken).toHaveLength(128);
    }
    // The same store and pool work again.
    expect(await store.put(key("after@x.com"), { expectedVersion: 0 })).toMatchObject({ version: 1 });
  });

  it("putMany cut off mid-statement writes none of its batch", async () => {
    const { store, app } = faultStore("bulk_cut");
    await store.put(key("bulk-0@x.com"), { expectedVersion: 0 });
    const records = Array.from({ length: 300 }, (_, index) => ({
      ...key(`bulk-${index}@x.com`),
      tokenType: "Bearer",
      scopes: [],
      createdAt: 1,
      updatedAt: 1,
      version: 7,
    }));
    // Lock bulk-0 (the batch's first row) so the single INSERT … ON CONFLICT statement waits on it.
    const unlock = await lockRows("bulk_cut", ["bulk-0@x.com"]);
    try {
      const blocked = outcome(store.putMany(records));
      await sleep(200);
      await terminate(app);
      expect((await blocked).code).toBe("ERR_STORE_UNAVAILABLE");
    } finally {
      await unlock();
    }
    const { rows } = await admin.query(
      `SELECT count(*)::int AS n, max(version)::int AS v FROM "${schema}".bulk_cut`,
    );
    expect(rows[0]).toEqual({ n: 1, v: 1 });
    expect(await store.putMany(records)).toEqual(new Array(300).fill("written"));
  });

  it("a statement blocked past statementTimeoutMs fails as unavailable (own pool: server statement_timeout)", async () => {
    const { store } = faultStore("slow", { statementTimeoutMs: 300 });
    const first = await store.put(key("slow@x.com"), { expectedVersion: 0 });
    const unlock = await lockRows("slow", ["slow@x.com"]);
    try {
      const result = await outcome(store.put(first, { expectedVersion: 1 }));
      expect(result.code).toBe("ERR_STORE_UNAVAILABLE");
      expect(result.ms).toBeGreaterThanOrEqual(250);
      expect(result.ms).toBeLessThan(1500);
    } finally {
      await unlock();
    }
    expect(await store.put(first, { expectedVersion: 1 })).toMatchObject({ version: 2 });
  });

  it("a caller's pool without timeouts still cannot hang a call (client-side read timeout)", async () => {
    const pool = new pg.Pool({ connectionString: pgUrl(), max: 2 });
    const store = postgresStore({ pool, cipher, schema, table: "slow_caller", statementTimeoutMs: 300 });
    stores.push(store);
    const first = await store.put(key("slow@x.com"), { expectedVersion: 0 });
    const unlock = await lockRows("slow_caller", ["slow@x.com"]);
    try {
      const result = await outcome(store.put(first, { expectedVersion: 1 }));
      expect(result.code).toBe("ERR_STORE_UNAVAILABLE");
      expect(result.ms).toBeLessThan(2500);
    } finally {
      await unlock();
    }
    // The server may still have run the statement after the client gave up (the caller's pool has no
    // statement_timeout, see the docs): the record is whole, at version 1 or 2.
    const after = await store.get(key("slow@x.com"));
    expect([1, 2]).toContain(after?.version);
    expect(await store.put(first, { expectedVersion: after?.version ?? 0 })).toMatchObject({
      version: (after?.version ?? 0) + 1,
    });
    await store.close();
    await pool.end();
  });

  it("an unreachable or silent server fails within connectTimeoutMs", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket)); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const hanging = postgresStore({
        connectionString: `postgres://x@127.0.0.1:${port}/db`,
        cipher,
        connectTimeoutMs: 300,
      });
      const result = await outcome(hanging.get(key("a@x.com")));
      expect(result).toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
      expect(result.ms).toBeLessThan(1500);
      await hanging.close();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
    const refused = postgresStore({ connectionString: `postgres://x@127.0.0.1:${port}/db`, cipher });
    expect(await outcome(refused.get(key("a@x.com")))).toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
    await refused.close();
  });
});
