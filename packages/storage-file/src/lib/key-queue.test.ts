import { describe, expect, it } from "vitest";
import { keyQueue } from "./key-queue.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("keyQueue", () => {
  it("runs calls on one id one at a time, in order, and other ids in parallel", async () => {
    const serialize = keyQueue();
    const events: string[] = [];
    const job = (id: string, name: string, fail = false) =>
      serialize(id, async () => {
        events.push(`start ${name}`);
        await tick();
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const results = await Promise.allSettled([job("a", "a1", true), job("a", "a2"), job("b", "b1")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
    expect(events.indexOf("start b1")).toBeLessThan(events.indexOf("end a1"));
  });
});
