import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { accountKey, type CredentialKey } from "@credstack/storage";
import type { RawAccess } from "@credstack/storage-test-suite";

/** The record file of `key` in a file store directory, found by the key columns each file carries. */
async function recordFile(dir: string, key: CredentialKey): Promise<string> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".cred")) continue;
    const body = JSON.parse(await readFile(join(dir, name), "utf8"));
    if (body.provider === key.provider && accountKey(body.account) === accountKey(key.account))
      return join(dir, name);
  }
  throw new Error("no record file for that key");
}

/** Raw access to file stores whose namespaces are subdirectories of `root`. */
export function rawFiles(root: string): RawAccess & { destroy(namespace: string): Promise<void> } {
  return {
    async dump(namespace) {
      const dir = join(root, namespace);
      const names = (await readdir(dir)).sort();
      return Buffer.concat(await Promise.all(names.map((name) => readFile(join(dir, name)))));
    },
    async readSealed(namespace, key) {
      const body = JSON.parse(await readFile(await recordFile(join(root, namespace), key), "utf8"));
      return Buffer.from(body.sealed, "base64");
    },
    async writeSealed(namespace, key, sealed) {
      const path = await recordFile(join(root, namespace), key);
      const body = JSON.parse(await readFile(path, "utf8"));
      body.sealed = Buffer.from(sealed).toString("base64");
      await writeFile(path, JSON.stringify(body));
    },
    async writeColumn(namespace, key, field, value) {
      const path = await recordFile(join(root, namespace), key);
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
