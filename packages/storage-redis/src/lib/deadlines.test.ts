import { afterEach, describe, expect, it, vi } from "vitest";
import { fixedDeadlines } from "./deadlines.js";

describe("fixedDeadlines", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires each unfinished call once, at its own deadline, and never a finished one", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const timed = fixedDeadlines(100);
    const expired: string[] = [];
    const a = timed(() => expired.push("a"));
    vi.advanceTimersByTime(30);
    timed(() => expired.push("b"));
    vi.advanceTimersByTime(30);
    const c = timed(() => expired.push("c"));
    a.finish();
    vi.advanceTimersByTime(39); // t = 99: nothing due yet
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(40); // t = 139: b (due at 130) expired, c (due at 160) not yet
    expect(expired).toEqual(["b"]);
    c.finish();
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual(["b"]);
    const d = timed(() => expired.push("d"));
    vi.advanceTimersByTime(99);
    expect(expired).toEqual(["b"]);
    vi.advanceTimersByTime(2);
    expect(expired).toEqual(["b", "d"]);
    d.finish(); // after expiry: no effect
    expect(expired).toEqual(["b", "d"]);
  });

  it("keeps many calls finished out of order without expiring them", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const timed = fixedDeadlines(50);
    let expired = 0;
    const calls = Array.from({ length: 5000 }, () => timed(() => expired++));
    for (let i = calls.length - 1; i >= 0; i--) if (i % 7 !== 0) calls[i]?.finish();
    vi.advanceTimersByTime(60);
    expect(expired).toBe(Math.ceil(5000 / 7));
  });
});
