import { describe, expect, it } from "vitest";
import {
  CredstackError,
  credstackErrorCodes,
  hasCode,
  InvalidArgumentError,
  isCredstackError,
} from "./index.js";

describe("CredstackError", () => {
  it("carries a stable code, its class name and the chained cause", () => {
    const cause = new Error("socket closed");
    const error = new InvalidArgumentError("bad input", { cause });
    expect(error).toBeInstanceOf(CredstackError);
    expect(error.code).toBe("ERR_INVALID_ARGUMENT");
    expect(error.name).toBe("InvalidArgumentError");
    expect(error.cause).toBe(cause);
  });

  it("is recognised across copies by its brand, and plain errors are not", () => {
    const foreign = Object.assign(new Error("x"), { [Symbol.for("credstack.error")]: true });
    expect(isCredstackError(foreign)).toBe(true);
    expect(isCredstackError(new Error("x"))).toBe(false);
    expect(isCredstackError(null)).toBe(false);
  });

  it("lists every code once", () => {
    expect(new Set(credstackErrorCodes).size).toBe(credstackErrorCodes.length);
  });

  it("hasCode matches a credstack error by code only, also across copies", () => {
    const conflict = new CredstackError("ERR_VERSION_CONFLICT", "changed meanwhile");
    expect(hasCode(conflict, "ERR_VERSION_CONFLICT")).toBe(true);
    expect(hasCode(conflict, "ERR_INTEGRITY")).toBe(false);
    const foreign = Object.assign(new Error("x"), {
      [Symbol.for("credstack.error")]: true,
      code: "ERR_VERSION_CONFLICT",
    });
    expect(hasCode(foreign, "ERR_VERSION_CONFLICT")).toBe(true);
    // Duck typing is not enough: a plain error with the same code is not a credstack error.
    expect(
      hasCode(Object.assign(new Error("x"), { code: "ERR_VERSION_CONFLICT" }), "ERR_VERSION_CONFLICT"),
    ).toBe(false);
    expect(hasCode(undefined, "ERR_VERSION_CONFLICT")).toBe(false);
  });
});
