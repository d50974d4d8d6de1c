import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { addKeyFile, listKeyFiles, loadKeyDirectory, loadOrCreateKeyDirectory } from "./key-directory.js";

describe("key directories", () => {
  it("create credstack.key once, add generations without overwriting, and load the newest first", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "credstack-keydir-")), "store");
    const first = await loadOrCreateKeyDirectory(dir);
    expect(first.createdPath).toBe(join(dir, "credstack.key"));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await loadOrCreateKeyDirectory(dir)).createdPath).toBeUndefined();
    const original = await readFile(join(dir, "credstack.key"), "utf8");
    const second = await addKeyFile(dir);
    const third = await addKeyFile(dir);
    expect([second.path, third.path]).toEqual([join(dir, "credstack.2.key"), join(dir, "credstack.3.key")]);
    expect(await readFile(join(dir, "credstack.key"), "utf8")).toBe(original);
    const keys = await loadKeyDirectory(dir);
    expect(keys.map((key) => key.id)).toEqual([third.key.id, second.key.id, first.keys[0]?.id]);
  });

  it("ignore names that are not generations", async () => {
    const dir = await mkdtemp(join(tmpdir(), "credstack-keydir-"));
    for (const name of ["credstack.1.key", "credstack.key.bak", "other.key", "credstack.0.key"]) {
      await writeFile(join(dir, name), "x", { mode: 0o600 });
    }
    expect(await listKeyFiles(dir)).toEqual([]);
    expect(await listKeyFiles(join(dir, "missing"))).toEqual([]);
  });
});
