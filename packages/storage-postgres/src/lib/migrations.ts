import type { Connection } from "./connection.js";
import type { TableNames } from "./identifiers.js";
import { notifyStatements } from "./notify.js";

/** One schema change, applied once, in order, inside the migration transaction. @internal */
interface Migration {
  readonly version: number;
  readonly statements: (names: TableNames) => readonly string[];
}

/**
 * Every schema version, oldest first. Never edit a published entry: append a new version.
 * @internal
 */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    statements: (n) => [
      `CREATE TABLE ${n.records} (
        provider text COLLATE "C" NOT NULL,
        account_key bytea NOT NULL,
        account bytea NOT NULL,
        token_type text NOT NULL,
        expires_at bigint,
        scopes text[] NOT NULL,
        issuer text,
        client_id text,
        sealed bytea NOT NULL,
        has_refresh_token boolean NOT NULL,
        version bigint NOT NULL CHECK (version > 0),
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (provider, account_key)
      )`,
      `CREATE INDEX ${n.expiresIndex} ON ${n.records} (expires_at, provider, account_key)
        WHERE expires_at IS NOT NULL`,
      `CREATE TABLE ${n.leases} (
        provider text COLLATE "C" NOT NULL,
        account_key bytea NOT NULL,
        token text NOT NULL,
        expires_at bigint NOT NULL,
        PRIMARY KEY (provider, account_key)
      )`,
    ],
  },
  {
    // Announce every change on the table's LISTEN channel (store.watch()).
    version: 2,
    statements: notifyStatements,
  },
];

/** The schema version this package writes. */
export const schemaVersion = migrations.length;

/**
 * One advisory lock key for every credstack migration in a database (the bytes of `credstac` as a bigint): two
 * processes starting at once — on the same table or on two tables of one new schema — run one after
 * the other, so `CREATE SCHEMA IF NOT EXISTS` and `CREATE TABLE` never race.
 */
const migrationLockKey = "7165901439208022371";

/**
 * Applies the migrations `names` lacks, in one transaction under a transaction-scoped advisory lock.
 * Idempotent: a second run finds every version applied and changes nothing. Returns the versions applied.
 * @internal
 */
export async function applyMigrations(connection: Connection, names: TableNames): Promise<number[]> {
  return connection.transaction(async (run) => {
    await run("SELECT pg_advisory_xact_lock($1::bigint)", [migrationLockKey]);
    await run(`CREATE SCHEMA IF NOT EXISTS ${names.schemaSql}`);
    await run(
      `CREATE TABLE IF NOT EXISTS ${names.migrations} (
        version integer PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    const applied = await run<{ version: number }>(`SELECT version FROM ${names.migrations}`);
    const done = new Set(applied.rows.map((row) => Number(row.version)));
    const versions: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements(names)) await run(statement);
      await run(`INSERT INTO ${names.migrations} (version) VALUES ($1)`, [migration.version]);
      versions.push(migration.version);
    }
    return versions;
  });
}
