import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKey, keyToBase64 } from "@credstack/storage";
import { storeConformance } from "@credstack/storage-test-suite";
import { afterAll } from "vitest";
import { storeFromEnv } from "../src/index.js";

// The stores storeFromEnv builds for the legacy modes are real credstack stores: the memory-with-backup
// mapping (withBackup(memoryStore(), fileStore)) passes the shared contract.
const root = mkdtempSync(join(tmpdir(), "credstack-compat-conf-"));
const key = keyToBase64(generateKey());
afterAll(() => rmSync(root, { recursive: true, force: true }));

storeConformance(
  "storeFromEnv(MEMORY_WITH_BACKUP)",
  {
    open: async ({ namespace }) =>
      (
        await storeFromEnv({
          CREDENTIAL_STORAGE_MODE: "memory_with_backup",
          CREDENTIALS_DIR: join(root, namespace),
          CREDSTACK_KEY: key,
        })
      ).store,
    destroy: async (namespace) => rmSync(join(root, namespace), { recursive: true, force: true }),
  },
  { encrypted: false, listSize: 100, concurrentWriters: 10 },
);
