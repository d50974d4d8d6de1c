import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOrCreateKeyFile } from "@credstack/storage";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStoreUri } from "../src/lib/store-uri.js";
import {
  baseEnv,
  credstack,
  openFileStore,
  pgStore,
  pgUrl,
  redisStoreUri,
  seed,
  tempDir,
} from "./cli-env.js";

const example = fileURLToPath(new URL("../../../examples/legacy-credentials", import.meta.url));

/** The little of a `pg.Client` these tests use (this package has no `@types/pg`). */
interface SqlClient {
  connect(): Promise<void>;
  query(sql: string, values?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
const driverName: string = "pg";

let db: SqlClient;
beforeAll(async () => {
  const pg = (await import(driverName)) as {
    default: { Client: new (options: { connectionString: string }) => SqlClient };
  };
  db = new pg.default.Client({ connectionString: pgUrl() });
  await db.connect();
});
afterAll(async () => {
  await db.end();
});

/** Every relation (table, index, sequence, function) and the schema itself, if `schema` exists. */
async function pgObjectsIn(schema: string): Promise<string[]> {
  const namespaces = await db.query("SELECT nspname FROM pg_namespace WHERE nspname = $1", [schema]);
  const tables = await db.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
    [schema],
  );
  return [
    ...namespaces.rows.map((row) => `schema ${row.nspname}`),
    ...tables.rows.map((row) => `table ${row.table_name}`),
  ];
}

const schemaOf = (uri: string): string => {
  const parsed = parseStoreUri(uri);
  if (parsed.kind !== "postgres" || parsed.schema === undefined) throw new Error(`no schema in ${uri}`);
  return parsed.schema;
};

async function keyFileIn(dir: string): Promise<string> {
  const path = join(dir, "k.key");
  await loadOrCreateKeyFile(path);
  return path;
}

describe("--dry-run leaves the target exactly as it was", () => {
  it("import-legacy --dry-run into a fresh postgres schema creates no schema and no table, and reports what it would do", async () => {
    const cwd = await tempDir();
    const key = await keyFileIn(cwd);
    const target = pgStore("dry");
    const dry = await credstack(["import-legacy", example, "--to", target, "--key-file", key, "--dry-run"], {
      cwd,
    });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("dry run: import-legacy");
    expect(dry.stdout).toMatch(/would-import\s+alice_at_example_com_credentials\.json/);
    expect(dry.stdout).toContain("would import 3, skipped 1");
    expect(dry.stdout).not.toMatch(/^imported \d/m);
    expect(await pgObjectsIn(schemaOf(target))).toEqual([]);
  });

  it("a fresh table name in an existing schema is not created either", async () => {
    const cwd = await tempDir();
    const key = await keyFileIn(cwd);
    const table = `cli_dry_${randomBytes(4).toString("hex")}`;
    const target = `${pgUrl()}?table=${table}`;
    const dry = await credstack(
      ["import-legacy", example, "--to", target, "--key-file", key, "--dry-run", "--json"],
      { cwd },
    );
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ imported: 3, skipped: 1, failed: 0 });
    const found = await db.query("SELECT tablename FROM pg_tables WHERE tablename LIKE $1", [`${table}%`]);
    expect(found.rows).toEqual([]);
  });

  it("an existing postgres target is read, not written or upgraded: the dry run sees what it holds", async () => {
    const cwd = await tempDir();
    const key = await keyFileIn(cwd);
    const target = pgStore("dryexisting");
    const real = await credstack(["import-legacy", example, "--to", target, "--key-file", key], { cwd });
    expect(real.status, real.stderr).toBe(0);
    const schema = schemaOf(target);
    const rows = `SELECT provider, account_key, version, updated_at FROM "${schema}".credstack_credentials ORDER BY 1, 2`;
    const before = (await db.query(rows)).rows;
    // Take the schema one migration back: a real run would re-apply it, a dry run must not.
    await db.query(`DELETE FROM "${schema}".credstack_credentials_migrations WHERE version = 2`);
    const dry = await credstack(
      ["import-legacy", example, "--to", target, "--key-file", key, "--dry-run", "--json"],
      { cwd },
    );
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ imported: 0, skipped: 4 });
    expect((await db.query(rows)).rows).toEqual(before);
    const versions = await db.query(`SELECT version FROM "${schema}".credstack_credentials_migrations`);
    expect(versions.rows.map((row) => Number(row.version))).toEqual([1]);
  });

  it("migrate --dry-run into a fresh postgres schema counts what it would copy and creates nothing", async () => {
    const cwd = await tempDir();
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 7);
    await source.close();
    const key = await keyFileIn(cwd);
    const target = pgStore("drymigrate");
    const dry = await credstack(
      ["migrate", "--from", "file:src", "--to", target, "--to-key-file", key, "--dry-run", "--json"],
      { cwd },
    );
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, copied: 7, skipped: 0, failed: 0 });
    expect(await pgObjectsIn(schemaOf(target))).toEqual([]);
  });

  it("a file: target that does not exist is not created, with a key file given or not", async () => {
    const cwd = await tempDir();
    const key = await keyFileIn(cwd);
    for (const extra of [[], ["--key-file", key]]) {
      const dry = await credstack(["import-legacy", example, "--to", "file:new", "--dry-run", ...extra], {
        cwd,
      });
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toContain("would import 3, skipped 1");
      expect(dry.stdout).not.toMatch(/^imported \d/m);
    }
    const source = await openFileStore(join(cwd, "src"));
    await seed(source, 2);
    await source.close();
    const migrated = await credstack(
      ["migrate", "--from", "file:src", "--to", "file:new2", "--to-key-file", key, "--dry-run", "--json"],
      { cwd },
    );
    expect(migrated.status, migrated.stderr).toBe(0);
    expect(JSON.parse(migrated.stdout)).toMatchObject({ copied: 2 });
    expect((await readdir(cwd)).sort()).toEqual(["k.key", "src"]);
  });

  it("a redis target gets no key", async () => {
    const cwd = await tempDir();
    const key = await keyFileIn(cwd);
    const target = redisStoreUri("dry");
    const dry = await credstack(
      ["import-legacy", example, "--to", target, "--key-file", key, "--dry-run", "--json"],
      { cwd },
    );
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ imported: 3 });
    const parsed = parseStoreUri(target);
    if (parsed.kind !== "redis") throw new Error("not redis");
    const client = new Redis(parsed.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.keys(`${parsed.prefix}*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it("an unreadable key fails the dry run as it would fail the real one (typed code, no key material), creating nothing", async () => {
    const cwd = await tempDir();
    const target = pgStore("drynokey");
    const missing = await credstack(
      ["import-legacy", example, "--to", target, "--key-file", "absent.key", "--dry-run"],
      { cwd },
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("ERR_INVALID_CONFIG");
    const env = { ...baseEnv(), CREDSTACK_KEY: "not-base64-key-material!" };
    const bad = await credstack(["import-legacy", example, "--to", "file:new", "--dry-run"], { cwd, env });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("ERR_INVALID_CONFIG");
    expect(bad.stderr).not.toContain("not-base64-key-material");
    expect(await pgObjectsIn(schemaOf(target))).toEqual([]);
    expect(await readdir(cwd)).toEqual([]);
  });
});
