import { stat } from "node:fs/promises";
import { describeStoreUri, listKeyFiles, memoryStore, type StoreUri } from "@credstack/storage";
import { UsageError } from "../io.js";
import { type CipherFlags, cipherFor, keysGiven } from "./cipher-options.js";
import { openExistingPostgresStore } from "./dry-run-postgres.js";
import { type OpenedStore, openStore } from "./open-store.js";

/**
 * Opens the target of a copy (`migrate`, `import-legacy`). A real run opens it for writing (creating a
 * `file:` store's key file, a Postgres table, on first use). A dry run leaves the target exactly as it
 * was — see {@link openDryRunTarget}.
 */
export async function openCopyTarget(
  uri: StoreUri,
  flags: CipherFlags,
  options: { readonly dryRun: boolean; readonly fsync?: boolean },
): Promise<OpenedStore> {
  if (options.dryRun) return openDryRunTarget(uri, flags);
  return openStore(uri, { flags, create: true, writable: true, fsync: options.fsync !== false });
}

/** An empty in-memory stand-in for a target that does not exist yet: a dry run sees it empty. */
function emptyStandIn(uri: StoreUri, keySource: string): OpenedStore {
  return { store: memoryStore(), uri, label: describeStoreUri(uri), cipher: undefined, keySource };
}

async function directoryExists(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * The target of a dry run, opened so that nothing is created or written: no `file:` directory or key
 * file, no Postgres schema, table or migration. The keys a real run would use are still resolved, so a
 * missing or unreadable key fails the dry run as it would fail the real one. A target that does not
 * exist yet is an empty in-memory stand-in; an existing one is opened and only read (Postgres with
 * `migrate: false`; Redis and existing `file:` directories are not written by reads).
 */
export async function openDryRunTarget(uri: StoreUri, flags: CipherFlags): Promise<OpenedStore> {
  if (uri.kind === "file") {
    const keyed = keysGiven(flags);
    if (!(await directoryExists(uri.dir))) {
      if (keyed) await cipherFor(uri, flags, { create: false });
      return emptyStandIn(uri, "none (dry run: the store does not exist yet)");
    }
    if (!keyed && (await listKeyFiles(uri.dir)).length === 0) {
      return emptyStandIn(uri, "none (dry run: the store has no key yet)");
    }
    return openStore(uri, { flags, create: false, writable: true });
  }
  if (uri.kind === "postgres") {
    const choice = await cipherFor(uri, flags, { create: false });
    if (choice === undefined) throw new UsageError(`${describeStoreUri(uri)} needs a cipher.`);
    const store = await openExistingPostgresStore(uri, choice);
    if (store === undefined) return emptyStandIn(uri, `${choice.source} (dry run: no table yet)`);
    return { store, uri, label: describeStoreUri(uri), cipher: undefined, keySource: choice.source };
  }
  return openStore(uri, { flags, create: false, writable: true });
}
