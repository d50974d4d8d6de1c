import { join } from "node:path";
import { type CredentialStore, memoryStore, withBackup } from "@credstack/storage";
import { type RawAccess, storeConformance } from "@credstack/storage-test-suite";
import { fileStore } from "../src/index.js";
import { directoryFailures, rawFiles, tempRoot } from "./harness.js";

const root = tempRoot("conformance");
const raw = rawFiles(root);
const failures = directoryFailures(root);

storeConformance(
  "fileStore",
  {
    open: async ({ namespace, cipher }) =>
      fileStore({ dir: join(root, namespace), ...(cipher && { cipher }) }),
    destroy: raw.destroy,
    raw,
    failures,
  },
  { encrypted: true },
);

// withBackup's memory primary caches what was written, so bytes tampered on disk behind a warm cache are
// only seen once the cache is cold (another process, a restart). The raw writer evicts the key from the
// primaries of its namespace to model that; the file store beneath is what detects the tampering.
const primaries = new Map<string, CredentialStore[]>();
const rawBehindCache: RawAccess = {
  dump: raw.dump,
  readSealed: raw.readSealed,
  async writeSealed(namespace, key, sealed) {
    await raw.writeSealed(namespace, key, sealed);
    for (const primary of primaries.get(namespace) ?? []) await primary.delete(key);
  },
  async writeColumn(namespace, key, field, value) {
    const wrote = await raw.writeColumn(namespace, key, field, value);
    for (const primary of primaries.get(namespace) ?? []) await primary.delete(key);
    return wrote;
  },
};

storeConformance(
  "withBackup(memoryStore(), fileStore())",
  {
    open: async ({ namespace, cipher }) => {
      const primary = memoryStore();
      primaries.set(namespace, [...(primaries.get(namespace) ?? []), primary]);
      return withBackup(primary, fileStore({ dir: join(root, namespace), ...(cipher && { cipher }) }));
    },
    destroy: async (namespace) => {
      primaries.delete(namespace);
      await raw.destroy(namespace);
    },
    raw: rawBehindCache,
    failures,
  },
  { encrypted: true },
);

storeConformance(
  "fileStore({ insecurePlaintext: true })",
  {
    open: async ({ namespace }) => fileStore({ dir: join(root, namespace), insecurePlaintext: true }),
    destroy: raw.destroy,
    failures,
  },
  { encrypted: false },
);
