import { InvalidArgumentError } from "@credstack/storage";

/** A schema or table name this package accepts: lowercase, unquoted-safe, at most 63 bytes. */
const namePattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The longest table name: PostgreSQL truncates identifiers past 63 bytes, and the derived names
 * (`<table>_expires_at_idx`, `<table>_migrations`) must stay distinct.
 */
export const maxTableNameLength = 48;

/** Quotes a checked identifier. @internal */
const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The quoted, schema-qualified names of everything the store keeps. @internal */
export interface TableNames {
  /** The schema, unquoted (for messages and catalog queries). */
  readonly schema: string;
  /** The records table, unquoted. */
  readonly table: string;
  /** `"schema"` */
  readonly schemaSql: string;
  /** `"schema"."table"`: one row per credential. */
  readonly records: string;
  /** `"schema"."table_leases"`: one row per held lease. */
  readonly leases: string;
  /** `"schema"."table_migrations"`: one row per applied schema version. */
  readonly migrations: string;
  /** `"table_expires_at_idx"` (an index name is never schema-qualified in CREATE INDEX). */
  readonly expiresIndex: string;
  /** Where a record lives, for error messages: `schema.table (provider, account)`. */
  readonly location: string;
}

/**
 * Checks the schema and table names and returns every quoted name derived from them.
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) for a name outside `/^[a-z_][a-z0-9_]{0,62}$/`
 * or a table name longer than {@link maxTableNameLength}.
 * @internal
 */
export function tableNames(schema: string, table: string): TableNames {
  if (typeof schema !== "string" || !namePattern.test(schema)) {
    throw new InvalidArgumentError(
      "The schema name must match /^[a-z_][a-z0-9_]{0,62}$/ (lowercase letters, digits, '_').",
    );
  }
  if (typeof table !== "string" || !namePattern.test(table) || table.length > maxTableNameLength) {
    throw new InvalidArgumentError(
      `The table name must match /^[a-z_][a-z0-9_]*$/ and be at most ${maxTableNameLength} characters long.`,
    );
  }
  const qualified = (name: string): string => `${quote(schema)}.${quote(name)}`;
  return {
    schema,
    table,
    schemaSql: quote(schema),
    records: qualified(table),
    leases: qualified(`${table}_leases`),
    migrations: qualified(`${table}_migrations`),
    expiresIndex: quote(`${table}_expires_at_idx`),
    location: `${schema}.${table} (provider, account)`,
  };
}
