import { describe, expect, it } from "vitest";
import { progressReporter } from "./progress.js";

describe("progressReporter", () => {
  it("draws a bar in place on a terminal", () => {
    const status: string[] = [];
    const progress = progressReporter(
      { out: () => {}, err: () => {}, status: (text) => status.push(text) },
      "migrate",
      0,
    );
    progress.update({ done: 50, total: 100, copied: 50 }, true);
    progress.finish();
    expect(status[0]).toMatch(/^\rmigrate █{15}░{15} 50\/100 50% {2}copied 50/);
    expect(status.at(-1)).toBe("\n");
  });

  it("writes throttled JSON lines otherwise", () => {
    const lines: string[] = [];
    const progress = progressReporter({ out: () => {}, err: (line) => lines.push(line) }, "migrate", 60_000);
    progress.update({ done: 1, total: 3 });
    progress.update({ done: 2, total: 3 });
    progress.update({ done: 3, total: 3 }, true);
    expect(lines.map((line) => JSON.parse(line).done)).toEqual([1, 3]);
  });
});
