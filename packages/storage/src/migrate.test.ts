import { describe, expect, it } from "vitest";
import { failing } from "../test/failing-store.js";
import type { CredentialKey } from "./key.js";
import { memoryStore } from "./memory-store.js";
import { type MigrationCheckpoint, migrate } from "./migrate.js";
import type { CredentialStore } from "./store.js";

async function filled(count: number): Promise<CredentialStore> {
  const store = memoryStore();
  for (let i = 0; i < count; i++) {
    await store.put(
      { provider: "google", account: `u${String(i).padStart(4, "0")}@x.com`, accessToken: `t${i}` },
      { expectedVersion: 0 },
    );
  }
  return store;
}

const memoryCheckpoint = (): MigrationCheckpoint & { saved: CredentialKey | undefined } => ({
  saved: undefined,
  async load() {
    return this.saved;
  },
  async save(after) {
    this.saved = after;
  },
});

describe("migrate", () => {
  it("copies every record as it is and reports progress per batch", async () => {
    const from = await filled(250);
    const to = memoryStore();
    const seen: number[] = [];
    const result = await migrate({ from, to, batchSize: 100, onProgress: (p) => seen.push(p.copied) });
    expect(result).toMatchObject({ copied: 250, skipped: 0, failed: 0 });
    expect(seen).toEqual([100, 200, 250]);
    const original = await from.get({ provider: "google", account: "u0042@x.com" });
    expect(await to.get({ provider: "google", account: "u0042@x.com" })).toEqual(original);
  });

  it("is idempotent and never overwrites a newer target record", async () => {
    const from = await filled(10);
    const to = memoryStore();
    await migrate({ from, to });
    const key = { provider: "google", account: "u0003@x.com" };
    const target = (await to.get(key))!;
    await to.put({ ...target, accessToken: "newer in target" }, { expectedVersion: target.version });
    const again = await migrate({ from, to });
    expect(again).toMatchObject({ copied: 0, skipped: 10, failed: 0 });
    expect((await to.get(key))?.accessToken).toBe("newer in target");
    const source = (await from.get({ provider: "google", account: "u0004@x.com" }))!;
    await from.put({ ...source, accessToken: "newer in source" }, { expectedVersion: source.version });
    expect(await migrate({ from, to })).toMatchObject({ copied: 1, skipped: 9 });
    expect((await to.get(source))?.accessToken).toBe("newer in source");
  });

  it("resumes from its checkpoint after an interruption, losing and duplicating nothing", async () => {
    const from = await filled(300);
    const to = memoryStore();
    const checkpoint = memoryCheckpoint();
    let batches = 0;
    const interrupted = migrate({
      from,
      to,
      checkpoint,
      batchSize: 50,
      onProgress: () => {
        if (++batches === 3) throw new Error("killed");
      },
    });
    await expect(interrupted).rejects.toThrow("killed");
    expect(checkpoint.saved?.account).toBe("u0149@x.com");
    const resumed = await migrate({ from, to, checkpoint, batchSize: 50 });
    expect(resumed).toMatchObject({ copied: 150, skipped: 0, failed: 0 });
    let count = 0;
    for await (const _ of to.list()) count++;
    expect(count).toBe(300);
  });

  it("saves checkpoints beside the writes: a slow save is not waited for per batch, and never passes an unwritten batch", async () => {
    const from = await filled(400);
    const to = memoryStore();
    const saves: { account: string; copied: number; present: number }[] = [];
    const slow: MigrationCheckpoint = {
      load: async () => undefined,
      async save(after, progress) {
        // Every key up to the saved one is in the target when its position is saved.
        let present = 0;
        for await (const key of to.list()) if (key.account <= after.account) present++;
        saves.push({ account: after.account, copied: progress.copied, present });
        await new Promise((resolve) => setTimeout(resolve, 25));
      },
    };
    const result = await migrate({ from, to, checkpoint: slow, batchSize: 10 });
    expect(result).toMatchObject({ copied: 400, failed: 0 });
    // 40 batches; saves collapse while one runs, and the last position is always saved.
    expect(saves.length).toBeGreaterThan(1);
    expect(saves.length).toBeLessThan(40);
    expect(saves.at(-1)).toMatchObject({ account: "u0399@x.com", copied: 400 });
    for (const save of saves) {
      const position = Number(save.account.slice(1, 5)) + 1;
      expect(save.copied).toBe(position); // the counts as of the saved position
      expect(save.present).toBe(position);
    }
    const accounts = saves.map((save) => save.account);
    expect([...accounts].sort()).toEqual(accounts); // only ever forward
  });

  it("saves every batch's position when saves are quick, and survives a save that throws at once", async () => {
    const from = await filled(100);
    const saved: string[] = [];
    const quick: MigrationCheckpoint = {
      load: async () => undefined,
      async save(after) {
        saved.push(after.account);
      },
    };
    await migrate({ from, to: memoryStore(), checkpoint: quick, batchSize: 10 });
    expect(saved).toEqual(
      Array.from({ length: 10 }, (_, i) => `u${String(i * 10 + 9).padStart(4, "0")}@x.com`),
    );
    const throwing: MigrationCheckpoint = {
      load: async () => undefined,
      save: () => {
        throw new Error("no space");
      },
    };
    await expect(migrate({ from, to: memoryStore(), checkpoint: throwing, batchSize: 10 })).rejects.toThrow(
      "no space",
    );
  });

  it("stops with the error of a checkpoint save that failed, after saving nothing past it", async () => {
    const from = await filled(300);
    const to = memoryStore();
    let calls = 0;
    const broken: MigrationCheckpoint = {
      load: async () => undefined,
      async save() {
        calls++;
        throw new Error("disk full");
      },
    };
    await expect(migrate({ from, to, checkpoint: broken, batchSize: 10 })).rejects.toThrow("disk full");
    expect(calls).toBe(1);
  });

  it("counts unreadable records as failed and goes on; stops when a backend is down", async () => {
    const from = await filled(5);
    const broken: CredentialStore = {
      ...from,
      list: (options) => from.list(options),
      get: async (key) => {
        if (key.account === "u0002@x.com")
          throw new (await import("./errors.js")).CorruptRecordError("bad", "row 2");
        return from.get(key);
      },
    };
    const result = await migrate({ from: broken, to: memoryStore() });
    expect(result).toMatchObject({ copied: 4, failed: 1 });
    expect(result.failures[0]).toMatchObject({ code: "ERR_CORRUPT_RECORD", key: { account: "u0002@x.com" } });
    await expect(
      migrate({ from, to: failing(memoryStore(), new Set(["get", "put"])) }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("EIO"),
    });
  });

  it("writes nothing in a dry run", async () => {
    const from = await filled(7);
    const to = memoryStore();
    expect(await migrate({ from, to, dryRun: true })).toMatchObject({ copied: 7 });
    let count = 0;
    for await (const _ of to.list()) count++;
    expect(count).toBe(0);
  });

  it("holds at most one batch of records at a time", async () => {
    const from = await filled(400);
    let inFlight = 0;
    let peak = 0;
    const to = memoryStore();
    const counting: CredentialStore = {
      ...to,
      list: (o) => to.list(o),
      putMany: async (records) => {
        inFlight += records.length;
        peak = Math.max(peak, inFlight);
        const outcomes = await to.putMany!(records);
        inFlight -= records.length;
        return outcomes;
      },
    };
    await migrate({ from, to: counting, batchSize: 64 });
    expect(peak).toBeLessThanOrEqual(64);
  });
});
