import { mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CredentialKey, normalizeKey } from "@credstack/storage";
import type { FailureInjection, RawAccess } from "@credstack/storage-test-suite";
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

/**
 * Backend failures for a file store whose namespaces are subdirectories of `root`: the namespace's
 * directory is moved aside and a plain file put in its place (as when a volume goes away and something
 * else sits at the path), so every file operation fails with ENOTDIR; `restore` puts the directory back.
 * (Removing permissions would be the obvious way, but root ignores them.)
 */
export function directoryFailures(root: string): FailureInjection {
  return {
    async fail(namespace) {
      const dir = join(root, namespace);
      await rename(dir, `${dir}.away`);
      await writeFile(dir, "not a directory\n");
    },
    async restore(namespace) {
      const dir = join(root, namespace);
      await rm(dir);
      await rename(`${dir}.away`, dir);
    },
  };
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
