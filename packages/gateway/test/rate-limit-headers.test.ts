import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/index.js";
import { alice, type Harness, keyA, keyB, startHarness } from "./helpers/setup.js";

// What a client sees of the per-key rate limit: the X-RateLimit-* headers on every limited route, and
// 429 + Retry-After + the same headers once over the limit. The same answers as @fastify/rate-limit's.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    apiKeys: [
      { id: "a", hash: hashApiKey(keyA), mode: "unrestricted" },
      { id: "b", hash: hashApiKey(keyB), mode: "unrestricted", rateLimit: 2 },
    ],
    rateLimit: { max: 50, timeWindowMs: 30_000 },
    failedAuthLimit: { max: 1000 },
  });
});
afterAll(async () => {
  await h?.close();
});

const limitHeaders = (headers: Headers) => ({
  limit: headers.get("x-ratelimit-limit"),
  remaining: headers.get("x-ratelimit-remaining"),
  reset: headers.get("x-ratelimit-reset"),
  retryAfter: headers.get("retry-after"),
});

describe("rate-limit answers", () => {
  it("a key's requests carry its limit, what remains and the reset; over it, 429 with Retry-After", async () => {
    const first = await h.call("GET", `/auth/providers/${alice}`, undefined, keyB);
    expect(first.status).toBe(200);
    expect(limitHeaders(first.headers)).toEqual({
      limit: "2",
      remaining: "1",
      reset: "30",
      retryAfter: null,
    });
    const second = await h.call("POST", "/auth/token", { provider: "test" }, keyB);
    expect(second.status).toBe(400); // validation runs after the limit: counted
    expect(limitHeaders(second.headers)).toMatchObject({ limit: "2", remaining: "0", retryAfter: null });
    const third = await h.call("GET", `/auth/providers/${alice}`, undefined, keyB);
    expect(third.status).toBe(429);
    expect(third.json).toEqual({ error: "rate_limited", message: "Rate limit exceeded." });
    const seen = limitHeaders(third.headers);
    expect(seen).toMatchObject({ limit: "2", remaining: "0" });
    expect(Number(seen.reset)).toBeGreaterThanOrEqual(29);
    expect(Number(seen.reset)).toBeLessThanOrEqual(30);
    expect(seen.retryAfter).toBe(seen.reset);
    expect(third.headers.get("cache-control")).toBe("no-store");
    expect(third.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("a key without its own limit gets the default; other keys keep their own counts", async () => {
    const answer = await h.call("GET", `/auth/providers/${alice}`, undefined, keyA);
    expect(limitHeaders(answer.headers)).toEqual({
      limit: "50",
      remaining: "49",
      reset: "30",
      retryAfter: null,
    });
  });

  it("the callback is limited per client address; health, refused keys and unknown paths are not limited", async () => {
    const callback = await h.call("GET", "/auth/callback/test?state=nope&code=x", undefined, null);
    expect(limitHeaders(callback.headers)).toMatchObject({ limit: "50", remaining: "49" });
    const again = await h.call("GET", "/auth/callback/test?state=nope&code=x", undefined, null);
    expect(limitHeaders(again.headers)).toMatchObject({ limit: "50", remaining: "48" });
    for (const answer of [
      await h.call("GET", "/health", undefined, null),
      await h.call("GET", `/auth/providers/${alice}`, undefined, "csk_wrong"),
      await h.call("GET", "/nowhere", undefined, keyA),
    ]) {
      expect(limitHeaders(answer.headers)).toEqual({
        limit: null,
        remaining: null,
        reset: null,
        retryAfter: null,
      });
    }
  });
});
