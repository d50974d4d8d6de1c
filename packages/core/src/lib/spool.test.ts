import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, generateKey } from "@credstack/storage";
import { afterAll, describe, expect, it } from "vitest";
import { RefreshSpool, refreshHashOf } from "./spool.js";

const root = mkdtempSync(join(tmpdir(), "credstack-spool-unit-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const entryFor = (account: string, baseVersion = 3) => ({
  baseVersion,
  oldRefreshHash: refreshHashOf("old-refresh"),
  record: { provider: "google", account, accessToken: "new-access", refreshToken: "new-refresh" },
});

describe("refresh spool", () => {
  it("seals entries in 0600 files of a 0700 directory, finds them by key, oldest base version first", async () => {
    const directory = join(root, "a");
    const spool = new RefreshSpool({ directory, cipher });
    await spool.add(entryFor("bob@example.com", 9));
    await spool.add(entryFor("bob@example.com", 4));
    await spool.add(entryFor("carol@example.com"));
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(directory)) {
      expect(statSync(join(directory, file)).mode & 0o777).toBe(0o600);
      const bytes = readFileSync(join(directory, file));
      for (const secret of ["new-access", "new-refresh", "bob@example.com"]) {
        expect(bytes.includes(Buffer.from(secret))).toBe(false);
      }
    }
    const bob = await spool.entriesOf({ provider: "google", account: "BOB@example.com" });
    expect(bob.map((entry) => entry.baseVersion)).toEqual([4, 9]);
    expect(bob[0]?.record).toMatchObject({ accessToken: "new-access", refreshToken: "new-refresh" });
    // Another process opening the same directory sees the same entries.
    const other = new RefreshSpool({ directory, cipher });
    expect((await other.all()).length).toBe(3);
    await other.remove(bob[0]?.file as string);
    await other.remove(bob[0]?.file as string); // twice is harmless
    expect((await spool.entriesOf({ provider: "google", account: "bob@example.com" })).length).toBe(1);
  });

  it("tampered bytes, an entry moved under another key's name, or another key: ERR_INTEGRITY", async () => {
    const directory = join(root, "b");
    const spool = new RefreshSpool({ directory, cipher });
    const bobFile = await spool.add(entryFor("bob@example.com"));
    const carolFile = await spool.add(entryFor("carol@example.com"));
    const carol = { provider: "google", account: "carol@example.com" };
    // Bob's sealed bytes renamed to carol's name prefix.
    renameSync(
      join(directory, bobFile),
      join(directory, `${carolFile.slice(0, 40)}-0000000000000001-x.spool`),
    );
    await expect(spool.entriesOf(carol)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
    rmSync(join(directory, `${carolFile.slice(0, 40)}-0000000000000001-x.spool`));
    const bytes = readFileSync(join(directory, carolFile));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    writeFileSync(join(directory, carolFile), bytes);
    await expect(spool.entriesOf(carol)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
    const stranger = new RefreshSpool({
      directory,
      cipher: aesGcmCipher({ keyRing: { active: generateKey() } }),
    });
    await expect(stranger.entriesOf(carol)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
  });

  it("narrows a directory open to group or others; refuses a path that is not a directory", async () => {
    const open = join(root, "c");
    mkdirSync(open, { mode: 0o755 });
    await new RefreshSpool({ directory: open, cipher }).entriesOf({ provider: "google", account: "x" });
    expect(statSync(open).mode & 0o777).toBe(0o700);
    const file = join(root, "not-a-dir");
    writeFileSync(file, "");
    await expect(
      new RefreshSpool({ directory: file, cipher }).entriesOf({ provider: "google", account: "x" }),
    ).rejects.toMatchObject({ code: "ERR_INVALID_CONFIG" });
    expect(() => new RefreshSpool({ directory: "", cipher })).toThrow(/spool.directory/);
  });
});
