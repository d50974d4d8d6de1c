import { mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CredentialKey, normalizeKey } from "@credstack/storage";
import type { RawAccess } from "@credstack/storage-test-suite";
import { afterAll } from "vitest";
import { fileNameOf } from "../src/lib/file-names.js";

/** A temporary root directory for one test file, removed after it. */
export function tempRoot(label: string): string {
  const root = mkdtempSync(join(tmpdir(), `credstack-file-${label}-`));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

/** The path of a key's record file in `dir`. */
export function recordPath(dir: string, key: CredentialKey): string {
  return join(dir, fileNameOf(normalizeKey(key)).name);
}

/** Raw access to a file store whose namespaces are subdirectories of `root`. */
export function rawFiles(root: string): RawAccess & { destroy(namespace: string): Promise<void> } {
  return {
    async dump(namespace) {
      const dir = join(root, namespace);
      const parts: Buffer[] = [];
      for (const name of (await readdir(dir)).sort()) parts.push(await readFile(join(dir, name)));
      return Buffer.concat(parts);
    },
    async readSealed(namespace, key) {
      const body = JSON.parse(await readFile(recordPath(join(root, namespace), key), "utf8"));
      return Buffer.from(body.sealed, "base64");
    },
    async writeSealed(namespace, key, sealed) {
      const path = recordPath(join(root, namespace), key);
      const body = JSON.parse(await readFile(path, "utf8"));
      body.sealed = Buffer.from(sealed).toString("base64");
      await writeFile(path, JSON.stringify(body));
    },
    async writeColumn(namespace, key, field, value) {
      const path = recordPath(join(root, namespace), key);
      const body = JSON.parse(await readFile(path, "utf8"));
      if (value === undefined) delete body[field];
      else body[field] = value;
      await writeFile(path, JSON.stringify(body));
      return true;
    },
    async destroy(namespace) {
      await rm(join(root, namespace), { recursive: true, force: true });
    },
  };
}
