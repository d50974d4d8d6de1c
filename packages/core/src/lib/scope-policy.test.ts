import { describe, expect, it } from "vitest";
import { scopePolicyFor } from "./scope-policy.js";

describe("scope policy coverage (remembered for frozen lists)", () => {
  for (const kind of ["google", "plain-provider"]) {
    it(`${kind}: the answer follows the lists asked about, frozen or not`, () => {
      const policy = scopePolicyFor(kind);
      const read = policy.resolve(kind === "google" ? ["drive.readonly"] : ["api:read"]);
      const write = policy.resolve(kind === "google" ? ["drive.file"] : ["api:write"]);
      const granted = Object.freeze([...read]);
      for (let round = 0; round < 2; round++) {
        expect(policy.covers(granted, read)).toBe(true);
        expect(policy.covers(granted, write)).toBe(false);
        expect(policy.covers([...granted], write)).toBe(false);
        expect(policy.covers(Object.freeze([...read, ...write]), write)).toBe(true);
      }
    });
  }
});
