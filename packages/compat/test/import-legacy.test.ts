import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, generateKey, memoryStore } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importLegacy } from "../src/index.js";
import { allKeys, type LegacyManifest, makeLegacyFixtures } from "./legacy-fixtures.js";

let fx: ReturnType<typeof makeLegacyFixtures>;
let m: LegacyManifest;
beforeAll(() => {
  fx = makeLegacyFixtures();
  m = fx.manifest;
});
afterAll(() => fx.cleanup());

describe("importLegacy", () => {
  it("imports every readable file, reports the rest per file, and is idempotent", async () => {
    const to = memoryStore();
    const first = await importLegacy({ dir: fx.dir, to, keys: allKeys(m), mapping: m.mapping });
    const byFile = new Map(first.files.map((f) => [f.file, f]));
    for (const file of Object.keys(m.expected)) expect(byFile.get(file)?.status, file).toBe("imported");
    for (const [file, want] of Object.entries(m.files)) {
      const line = byFile.get(file);
      expect(line?.status, file).toBe(want.status);
      if (want.code !== undefined) expect(line?.code, file).toBe(want.code);
      if (want.evidence !== undefined) expect(line?.evidence, file).toBe(want.evidence);
      if (want.account !== undefined) {
        expect(line?.key?.provider, file).toBe(want.provider ?? "google");
        expect(line?.key?.account.toLowerCase(), file).toBe(want.account);
      }
      if (want.status === "failed") expect(line?.message, file).toContain(file);
    }
    expect(first.files.map((f) => f.file).sort()).toEqual(Object.keys(m.files).sort());
    expect(first.imported).toBe(Object.keys(m.expected).length);
    for (const want of Object.values(m.expected)) {
      expect(await to.get({ provider: want.provider ?? "google", account: want.account })).toBeDefined();
    }
    let count = 0;
    for await (const _ of to.list()) count++;
    expect(count).toBe(Object.keys(m.expected).length);

    const second = await importLegacy({ dir: fx.dir, to, keys: allKeys(m), mapping: m.mapping });
    expect(second.imported).toBe(0);
    for (const file of Object.keys(m.expected)) {
      expect(second.files.find((f) => f.file === file)).toMatchObject({
        status: "skipped",
        reason: "already in the target store",
      });
    }
  });

  it("leaves lossy names without other evidence ambiguous until mapped", async () => {
    const report = await importLegacy({ dir: fx.dir, to: memoryStore(), keys: allKeys(m) });
    for (const file of m.ambiguousWithoutMapping) {
      expect(report.files.find((f) => f.file === file)?.status, file).toBe("ambiguous");
    }
    expect(report.imported).toBe(Object.keys(m.expected).length - m.ambiguousWithoutMapping.length);
  });

  it("dryRun writes nothing", async () => {
    const to = memoryStore();
    const report = await importLegacy({
      dir: fx.dir,
      to,
      keys: allKeys(m),
      mapping: m.mapping,
      dryRun: true,
    });
    expect(report.imported).toBe(Object.keys(m.expected).length);
    expect(report.files.filter((f) => f.status === "would-import")).toHaveLength(
      Object.keys(m.expected).length,
    );
    let count = 0;
    for await (const _ of to.list()) count++;
    expect(count).toBe(0);
  });

  it("into an encrypted file store; shred removes only the imported files", async () => {
    const storeDir = join(mkdtempSync(join(tmpdir(), "credstack-compat-")), "store");
    const to = fileStore({
      dir: storeDir,
      cipher: aesGcmCipher({ keyRing: { active: generateKey() } }),
      fsync: false,
    });
    const before = readFileSync(join(fx.dir, "tampered_at_example_com_credentials.enc"));
    const report = await importLegacy({ dir: fx.dir, to, keys: allKeys(m), mapping: m.mapping, shred: true });
    for (const file of Object.keys(m.expected)) {
      expect(report.files.find((f) => f.file === file)?.shredded, file).toBe(true);
      expect(existsSync(join(fx.dir, file)), file).toBe(false);
    }
    // Failed, ambiguous and superseded files stay exactly as they were.
    expect(readFileSync(join(fx.dir, "tampered_at_example_com_credentials.enc"))).toEqual(before);
    for (const file of [...Object.keys(m.failures), ...Object.keys(m.superseded)])
      expect(existsSync(join(fx.dir, file))).toBe(true);
    const alice = await to.get({ provider: "google", account: "alice@example.com" });
    expect(alice?.accessToken).toBe("ya29.access-alice");
    await to.close();
  });
});
