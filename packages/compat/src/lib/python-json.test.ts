import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { pythonJsonDumps } from "./python-json.js";

describe("pythonJsonDumps", () => {
  it("matches json.dumps(sort_keys=True) byte for byte", () => {
    const value = {
      v: 2,
      z: null,
      a: ["x", 'é\u2028\n"\\', 1, true, false],
      "\u00e9": { b: "😀", A: "\u007f" },
    };
    const python = execFileSync(
      "python3",
      ["-c", "import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True), end='')"],
      {
        input: JSON.stringify(value),
      },
    ).toString();
    expect(pythonJsonDumps(value)).toBe(python);
  });
  it("refuses floats (Python and JavaScript print them differently)", () => {
    expect(() => pythonJsonDumps({ a: 0.5 })).toThrow();
  });
});
