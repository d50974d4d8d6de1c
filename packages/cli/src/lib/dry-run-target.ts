import { describeStoreUri, listKeyFiles, memoryStore, type StoreUri } from "@credstack/storage";
import { type CipherFlags, noCipherFlags } from "./cipher-options.js";
import { type OpenedStore, openStore } from "./open-store.js";

/**
 * Opens the target of a copy (`migrate`, `import-legacy`). A dry run into a `file:` store that does not
 * exist yet (no key file, no cipher option) gets an empty in-memory stand-in: the store is empty, and a
 * dry run must create nothing — no directory, no key file.
 */
export async function openCopyTarget(
  uri: StoreUri,
  flags: CipherFlags,
  options: { readonly dryRun: boolean; readonly fsync?: boolean },
): Promise<OpenedStore> {
  if (
    options.dryRun &&
    uri.kind === "file" &&
    noCipherFlags(flags) &&
    (await listKeyFiles(uri.dir)).length === 0
  ) {
    return { store: memoryStore(), uri, label: describeStoreUri(uri), cipher: undefined, keySource: "none" };
  }
  return openStore(uri, { flags, create: !options.dryRun, writable: true, fsync: options.fsync !== false });
}
