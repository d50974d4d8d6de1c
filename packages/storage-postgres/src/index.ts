/**
 * `@credstack/storage-postgres`: a PostgreSQL credential store (peer dependency `pg`) with versioned
 * schema migrations, compare-and-set writes, keyset listing, leases and batched `putMany`.
 *
 * @packageDocumentation
 */
export type { ExpiringKey, ListExpiringOptions } from "./lib/listing.js";
export {
  migrateSchema,
  type PostgresSchemaOptions,
  type PostgresStore,
  type PostgresStoreOptions,
  postgresStore,
} from "./postgres-store.js";
