import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { atomicTempPrefix, syncDirectory, writeFileAtomic } from "./atomic-write.js";

const freshDir = () => mkdtemp(join(tmpdir(), "credstack-atomic-"));

describe("writeFileAtomic", () => {
  it("creates the file with mode 0600 and replaces it whole, leaving no temporary file", async () => {
    const dir = await freshDir();
    const path = join(dir, "state.json");
    expect(await writeFileAtomic(path, "one\n")).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await writeFileAtomic(path, new TextEncoder().encode("two\n"), { fsync: false })).toBe(true);
    expect(await readFile(path, "utf8")).toBe("two\n");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("with replace: false never overwrites an existing file and says so", async () => {
    const dir = await freshDir();
    const path = join(dir, "id");
    expect(await writeFileAtomic(path, "first", { replace: false })).toBe(true);
    expect(await writeFileAtomic(path, "second", { replace: false })).toBe(false);
    expect(await readFile(path, "utf8")).toBe("first");
    expect(await readdir(dir)).toEqual(["id"]);
  });

  it("leaves the target untouched and removes its temporary file when the write fails", async () => {
    const dir = await freshDir();
    const target = join(dir, "taken");
    await mkdir(target);
    await writeFile(join(target, "inside"), "kept");
    await expect(writeFileAtomic(target, "x")).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    expect(await readFile(join(target, "inside"), "utf8")).toBe("kept");
    expect((await readdir(dir)).filter((name) => name.startsWith(atomicTempPrefix))).toEqual([]);
  });

  it("fails on a missing directory without creating anything", async () => {
    const dir = await freshDir();
    await expect(writeFileAtomic(join(dir, "no", "file"), "x")).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe("syncDirectory", () => {
  it("flushes a directory and reports one that does not exist", async () => {
    const dir = await freshDir();
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
    await expect(syncDirectory(join(dir, "missing"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
