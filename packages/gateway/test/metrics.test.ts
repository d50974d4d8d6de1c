import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/index.js";
import { alice, type Harness, keyA, keyB, startHarness } from "./helpers/setup.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    metrics: { port: 0 },
    apiKeys: [
      { id: "a", hash: hashApiKey(keyA), mode: "unrestricted" },
      { id: "b", hash: hashApiKey(keyB), mode: "unrestricted", rateLimit: 2 },
    ],
    failedAuthLimit: { max: 2, windowMs: 60_000 },
  });
});
afterAll(async () => {
  await h?.close();
});

/** The value of the series `name{labels…}` in a Prometheus exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`))) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

describe("GET /metrics on the gateway's own listener (Prometheus, after real traffic)", () => {
  it("serves tokens served, authorizations, refreshes by outcome, cache, store and provider latency, rate-limit refusals — no account, no secret", async () => {
    expect(h.gateway.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(h.gateway.metricsUrl as string).port).not.toBe(new URL(h.base).port);

    await h.signIn(alice);
    const first = await h.call("POST", "/auth/token", { provider: "test", account: alice });
    expect(first.status).toBe(200);
    const forced = await h.call("POST", "/auth/token", {
      provider: "test",
      account: alice,
      forceRefresh: true,
    });
    expect(forced.status).toBe(200);
    await h.call("POST", "/auth/token", { provider: "test", account: alice });
    const stored = await h.store.get({ provider: "test", account: alice });
    // Per-key limit (key B: 2 per window) and failed authentications (2 per address).
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await h.call("GET", "/auth/providers/x@example.com", undefined, keyB)).status);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
    for (let i = 0; i < 4; i++) await h.call("GET", "/auth/providers/x@example.com", undefined, "csk_wrong");

    const response = await fetch(h.gateway.metricsUrl as string);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sample(text, "credstack_gateway_tokens_served_total", { credstack_provider: "test" })).toBe(3);
    expect(
      sample(text, "credstack_gateway_authorizations_total", {
        credstack_provider: "test",
        credstack_outcome: "started",
      }),
    ).toBe(1);
    expect(
      sample(text, "credstack_gateway_authorizations_total", {
        credstack_provider: "test",
        credstack_outcome: "completed",
      }),
    ).toBe(1);
    expect(
      sample(text, "credstack_refreshes_total", {
        credstack_provider: "test",
        credstack_outcome: "refreshed",
      }),
    ).toBe(1);
    expect(sample(text, "credstack_cache_lookups_total", { credstack_result: "hit" })).toBeGreaterThan(0);
    expect(sample(text, "credstack_resolves_total", { credstack_result: "token" })).toBe(3);
    expect(
      sample(text, "credstack_store_duration_seconds_count", { credstack_store_operation: "get" }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, "credstack_store_duration_seconds_count", { credstack_store_operation: "put" }),
    ).toBeGreaterThan(0);
    expect(
      sample(text, "credstack_provider_duration_seconds_count", {
        credstack_provider: "test",
        credstack_outcome: "200",
      }),
    ).toBe(2); // the code exchange of the sign-in and the forced refresh
    expect(sample(text, "credstack_gateway_rate_limited_total", { credstack_limit: "api_key" })).toBe(2);
    expect(sample(text, "credstack_gateway_rate_limited_total", { credstack_limit: "failed_auth" })).toBe(2);
    expect(text).toContain("# TYPE credstack_store_duration_seconds histogram");

    for (const hidden of [alice, "x@example.com", keyA, keyB, stored?.accessToken, stored?.refreshToken]) {
      expect(hidden).toBeDefined();
      expect(text).not.toContain(hidden as string);
    }
    expect((await fetch(new URL("/other", h.gateway.metricsUrl as string))).status).toBe(404);
    // The API listener serves no metrics (refused without a key: 401, or 429 for this address by now).
    expect([401, 429]).toContain((await h.call("GET", "/metrics", undefined, null)).status);
  });
});
