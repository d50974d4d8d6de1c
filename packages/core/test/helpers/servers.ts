import { randomBytes } from "node:crypto";
import type { Cipher } from "@credstack/storage";
import { postgresStore } from "@credstack/storage-postgres";
import { redisStore } from "@credstack/storage-redis";
import { startPostgres, startRedis } from "@credstack/test-services";
import { Redis } from "ioredis";
import pg from "pg";

/** Cleanups, run in reverse by the test file's afterAll. */
export type Stops = (() => Promise<void>)[];

/**
 * A Postgres store on a table of its own (`<label>_<random>`; the shared test server serves other
 * suites too), on CREDSTACK_TEST_PG_URL or a server started here; the table is dropped afterwards.
 */
export async function postgresOnItsOwnTable(label: string, cipher: Cipher, stops: Stops) {
  let url = process.env.CREDSTACK_TEST_PG_URL;
  if (!url) {
    const server = await startPostgres();
    stops.push(() => server.stop());
    url = server.url;
  }
  const table = `${label}_${randomBytes(4).toString("hex")}`;
  const store = postgresStore({ connectionString: url, cipher, table, maxConnections: 4 });
  const connectionString = url;
  stops.push(async () => {
    await store.close();
    const admin = new pg.Client({ connectionString });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS ${table}, ${table}_leases, ${table}_migrations`);
    await admin.query(`DROP FUNCTION IF EXISTS ${table}_notify`);
    await admin.end();
  });
  return { url, table, store };
}

/** A Redis store under a prefix of its own, on CREDSTACK_TEST_REDIS_URL or a server started here. */
export async function redisOnItsOwnPrefix(label: string, cipher: Cipher, stops: Stops) {
  let url = process.env.CREDSTACK_TEST_REDIS_URL;
  if (!url) {
    const server = await startRedis();
    stops.push(() => server.stop());
    url = server.url;
  }
  const prefix = `${label}-${randomBytes(4).toString("hex")}`;
  const store = redisStore({ client: new Redis(url), cipher, prefix, closeClient: true });
  stops.push(() => store.close());
  return { url, prefix, store };
}
