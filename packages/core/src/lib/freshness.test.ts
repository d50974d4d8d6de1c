import { describe, expect, it } from "vitest";
import { freshnessOf } from "./freshness.js";

const at = (updatedAt: number, expiresAt?: number) => ({
  accessToken: "a",
  updatedAt,
  ...(expiresAt === undefined ? {} : { expiresAt }),
});

describe("freshnessOf", () => {
  it("uses min(5 min, half the lifetime) as the window", () => {
    // 1 hour token: window 5 min.
    expect(freshnessOf(at(0, 3_600_000), 3_600_000 - 300_001)).toBe("fresh");
    expect(freshnessOf(at(0, 3_600_000), 3_600_000 - 300_000)).toBe("window");
    // 2 minute token: window 1 min.
    expect(freshnessOf(at(0, 120_000), 59_999)).toBe("fresh");
    expect(freshnessOf(at(0, 120_000), 60_000)).toBe("window");
    expect(freshnessOf(at(0, 120_000), 120_000)).toBe("expired");
  });
  it("never ages a token without expiry; a record without access token is expired", () => {
    expect(freshnessOf(at(0), 1e15)).toBe("fresh");
    expect(freshnessOf({ updatedAt: 0 }, 0)).toBe("expired");
  });
});
