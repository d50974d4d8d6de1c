import { describe, expect, it } from "vitest";
import { boundsHeapGrowth } from "./heap-limits.js";

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
