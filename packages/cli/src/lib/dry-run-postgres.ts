import { clientOptionsFromEnv, openStore } from "@credstack/open-store";
import type { CredentialStore, StoreUri } from "@credstack/storage";
import type { CipherChoice } from "./cipher-options.js";

type PostgresUri = Extract<StoreUri, { kind: "postgres" }>;

/** SQLSTATEs of a table or schema that is not there: `undefined_table`, `invalid_schema_name`. */
const missingRelationCodes = new Set(["42P01", "3F000"]);

/** True when a store call failed because the records table (or its schema) does not exist. */
function isMissingRelation(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === "string" && missingRelationCodes.has(code);
}

/**
 * Opens a Postgres store for a dry run with `@credstack/open-store`'s opener and `migrate: false`, so
 * nothing — schema, table, trigger, migrations row — is created or upgraded, with the client options
 * (`CREDSTACK_STORE_TIMEOUT_MS`, `CREDSTACK_PG_POOL`, `CREDSTACK_STORE_TLS_CA_FILE`) of a real run.
 * @returns the store, or `undefined` (store closed) when its table does not exist yet: the target is empty.
 * @throws StoreUnavailableError (`ERR_STORE_UNAVAILABLE`) when the database cannot be read.
 */
export async function openExistingPostgresStore(
  uri: PostgresUri,
  choice: CipherChoice,
): Promise<CredentialStore | undefined> {
  const { store } = await openStore(
    uri,
    {},
    { cipher: choice, client: clientOptionsFromEnv(), migrate: false },
  );
  try {
    for await (const _ of store.list({ limit: 1 })) break;
    return store;
  } catch (error) {
    await store.close().catch(() => {});
    if (isMissingRelation(error)) return undefined;
    throw error;
  }
}
