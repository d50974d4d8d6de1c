import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compareKeys } from "@credstack/storage";
import { afterEach, describe, expect, it } from "vitest";
import { fileNameOf } from "./file-names.js";
import { keyListing, listKeys } from "./list-keys.js";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "credstack-list-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const touch = (dir: string, account: string) =>
  writeFileSync(join(dir, fileNameOf({ provider: "google", account }).name), "{}");
const accounts = (keys: readonly { account: string }[]) => keys.map((key) => key.account);

describe("keyListing", () => {
  it("reuses a settled snapshot while the directory is unchanged, and sees every change", async () => {
    const dir = tempDir();
    touch(dir, "a@x.com");
    touch(dir, "b@x.com");
    const later = () => Date.now() + 60_000; // the directory's last change is long past
    const list = keyListing(dir, later);
    const first = await list();
    expect(accounts(first)).toEqual(["a@x.com", "b@x.com"]);
    expect(await list()).toBe(first); // the same snapshot: no directory scan
    touch(dir, "c@x.com");
    expect(accounts(await list())).toEqual(["a@x.com", "b@x.com", "c@x.com"]);
    unlinkSync(join(dir, fileNameOf({ provider: "google", account: "a@x.com" }).name));
    expect(accounts(await list())).toEqual(["b@x.com", "c@x.com"]);
  });

  it("does not keep a snapshot of a directory changed within the racy window", async () => {
    const dir = tempDir();
    touch(dir, "a@x.com");
    const list = keyListing(dir); // real time: the directory changed just now
    const first = await list();
    expect(await list()).not.toBe(first);
  });
});

describe("listKeys", () => {
  it("decodes every part of a name: providers, non-ASCII accounts, order", async () => {
    const dir = tempDir();
    const keys = [
      { provider: "microsoft", account: "zoë@example.com" },
      { provider: "google", account: "b@x.com" },
      { provider: "google", account: "ä😀@x.com" },
      { provider: "google", account: "a@x.com" },
      { provider: "goog", account: "a@x.com" },
    ];
    for (const key of keys) writeFileSync(join(dir, fileNameOf(key).name), "{}");
    expect(await listKeys(dir)).toEqual([...keys].sort(compareKeys));
  });
});

describe("keyListing errors", () => {
  it("rejects (does not throw synchronously) when the directory is gone", async () => {
    const dir = tempDir();
    const list = keyListing(dir);
    rmSync(dir, { recursive: true, force: true });
    const listing = list();
    await expect(listing).rejects.toMatchObject({ code: "ENOENT" });
  });
});
