import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { commandNames } from "../main.js";
import { boundsHeapGrowth, bulkCommands, youngGenerationCapBytes } from "./heap-limits.js";

describe("boundsHeapGrowth", () => {
  it("bounds heap growth by default", () => {
    expect(boundsHeapGrowth([], undefined)).toBe(true);
    expect(boundsHeapGrowth(["--import", "x.mjs"], "--enable-source-maps")).toBe(true);
  });

  it("leaves the user's own heap flags alone", () => {
    expect(boundsHeapGrowth(["--max-semi-space-size=64"], undefined)).toBe(false);
    expect(boundsHeapGrowth(["--min_semi_space_size=8"], undefined)).toBe(false);
    expect(boundsHeapGrowth(["--max-old-space-size=4096"], undefined)).toBe(false);
    expect(boundsHeapGrowth([], "--semi-space-growth-factor=4")).toBe(false);
    expect(boundsHeapGrowth([], "--enable-source-maps --heap-growing-percent=300")).toBe(false);
    expect(boundsHeapGrowth([], "--max-heap-size=512")).toBe(false);
  });
});

describe("boundHeapGrowth", () => {
  // A child process that keeps a sliding window of live objects (survivors, as records in flight are)
  // and prints the young generation's largest size in MiB.
  const youngGenerationPeak = (bound: boolean, nodeFlags: string[] = []): number => {
    const script = `
      import { getHeapSpaceStatistics } from "node:v8";
      ${bound ? `const { boundHeapGrowth } = await import(${JSON.stringify(new URL("../../dist/lib/heap-limits.js", import.meta.url).href)}); boundHeapGrowth();` : ""}
      const young = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
      let peak = young();
      const keep = [];
      const step = (i) => {
        for (let j = 0; j < 5000; j++) {
          keep.push({ i, j, text: "x" + j });
          if (keep.length > 20000) keep.splice(0, 10000);
        }
        peak = Math.max(peak, young());
        // A turn of the event loop between steps (as between a migration's records): GC observers run there.
        if (i < 600) setImmediate(() => step(i + 1));
        else console.log(peak / 1048576);
      };
      step(0);
    `;
    const out = execFileSync(process.execPath, [...nodeFlags, "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    return Number(out.trim());
  };

  it("stops the young generation from growing past its cap (V8 alone grows it further)", () => {
    const capMiB = youngGenerationCapBytes / 1048576;
    const bounded = youngGenerationPeak(true);
    const unbounded = youngGenerationPeak(false);
    // The cap is applied after the collection that reached it (one more step of growth may come first;
    // Node 24's V8 counts a little more in new_space).
    expect(bounded).toBeGreaterThanOrEqual(capMiB);
    expect(bounded).toBeLessThanOrEqual(capMiB * 3);
    expect(unbounded).toBeGreaterThanOrEqual(bounded * 3);
  });

  it("leaves V8 alone when the user passes a heap flag", () => {
    expect(youngGenerationPeak(true, ["--max-semi-space-size=16"])).toBeGreaterThan(
      (youngGenerationCapBytes / 1048576) * 3,
    );
  });
});

describe("bulkCommands", () => {
  it("are the commands that stream every record, and only those", () => {
    for (const command of bulkCommands) expect(commandNames).toContain(command);
    expect([...bulkCommands].sort()).toEqual(["import-legacy", "migrate", "reencrypt", "rotate-key"]);
    for (const command of ["list", "inspect", "scopes", "doctor", "gateway-key"])
      expect(bulkCommands.has(command)).toBe(false);
  });
});
