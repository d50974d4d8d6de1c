import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { aesGcmCipher, type CredentialKey, generateKey } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { fileStore } from "../src/index.js";
import { recordPath, tempRoot } from "./harness.js";

const root = tempRoot("failures");
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
let counter = 0;
const freshDir = () => join(root, `d${counter++}`);
const k = (account: string): CredentialKey => ({ provider: "google", account });
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: Error & { code?: string }) => error,
  );

describe("I/O failures", () => {
  it("turns a failed write into ERR_STORE_UNAVAILABLE with the cause, leaving other records untouched", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    await store.put({ ...k("kept@x.com"), accessToken: "kept" }, { expectedVersion: 0 });
    // A directory squatting on the record's file name makes the rename fail (EISDIR) and the read too.
    await mkdir(recordPath(dir, k("blocked@x.com")));
    const write = await errorOf(store.put(k("blocked@x.com"), { expectedVersion: 0 }));
    expect(write).toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
    expect((write?.cause as { code?: string } | undefined)?.code).toMatch(/^E[A-Z]+$/);
    expect(await store.get(k("kept@x.com"))).toMatchObject({ accessToken: "kept", version: 1 });
    expect(await store.list()[Symbol.asyncIterator]().next()).toMatchObject({ done: false });
  });

  it("reports a directory that vanished or became a file as ERR_STORE_UNAVAILABLE", async () => {
    const dir = freshDir();
    const store = fileStore({ dir, cipher });
    await store.put(k("a@x.com"), { expectedVersion: 0 });
    await rm(dir, { recursive: true });
    await writeFile(dir, "not a directory");
    for (const call of [
      () => store.get(k("a@x.com")),
      () => store.put(k("b@x.com"), { expectedVersion: 0 }),
      () => store.delete(k("a@x.com")),
      () => store.list()[Symbol.asyncIterator]().next(),
    ]) {
      const error = await errorOf(call());
      expect(error).toMatchObject({ code: "ERR_STORE_UNAVAILABLE" });
      expect(error?.cause).toBeInstanceOf(Error);
    }
  });

  it.skipIf(process.getuid?.() === 0)(
    "reports EACCES as ERR_STORE_UNAVAILABLE (not run as root)",
    async () => {
      const dir = freshDir();
      const store = fileStore({ dir, cipher });
      await store.put(k("a@x.com"), { expectedVersion: 0 });
      const { chmod } = await import("node:fs/promises");
      await chmod(dir, 0o500);
      try {
        expect(await errorOf(store.put(k("a@x.com"), { expectedVersion: 1 }))).toMatchObject({
          code: "ERR_STORE_UNAVAILABLE",
        });
        expect(await store.get(k("a@x.com"))).toMatchObject({ version: 1 });
      } finally {
        await chmod(dir, 0o700);
      }
    },
  );
});

describe("close", () => {
  it("makes every later call fail clearly", async () => {
    const store = fileStore({ dir: freshDir(), cipher });
    await store.put(k("a@x.com"), { expectedVersion: 0 });
    await store.close();
    await store.close();
    for (const call of [
      () => store.get(k("a@x.com")),
      () => store.put(k("a@x.com"), { expectedVersion: 1 }),
      () => store.delete(k("a@x.com")),
      () => store.lease!(k("a@x.com"), { ttlMs: 1000 }),
      () => store.putMany!([k("a@x.com") as never]),
      () => store.list()[Symbol.asyncIterator]().next(),
    ]) {
      const error = await errorOf(call());
      expect(error).toMatchObject({ code: "ERR_INVALID_ARGUMENT" });
      expect(error?.message).toContain("closed");
    }
  });
});
