import { memoryStore } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { flowRecords, sessionProvider, transactionProvider } from "./flow-records.js";

const transaction = (id: string, expiresAt: number) => ({
  id,
  provider: "test",
  account: "alice@example.com",
  scopes: ["api:read"],
  grantedScopes: [],
  codeVerifier: "verifier-secret",
  redirectUri: "http://127.0.0.1/auth/callback/test",
  createdAt: expiresAt - 600_000,
  expiresAt,
});

describe("pending authorizations and sessions in the store", () => {
  it("take is atomic: of concurrent takers exactly one gets the transaction", async () => {
    let now = 1_000_000;
    const store = memoryStore({ now: () => now });
    const flows = flowRecords(store, () => now);
    await flows.put(transaction("StateA", now + 600_000));
    expect(await flows.has?.("StateA")).toBe(true);
    const taken = await Promise.all([flows.take("StateA"), flows.take("StateA"), flows.take("StateA")]);
    expect(taken.filter((entry) => entry !== undefined)).toHaveLength(1);
    expect(await flows.take("StateA")).toBeUndefined();
    expect(await flows.has?.("StateA")).toBe(false);
    await flows.put(transaction("StateB", now + 10));
    now += 11;
    expect(await flows.has?.("StateB")).toBe(false);
    expect(await flows.take("StateB")).toBeUndefined(); // expired
  });

  it("a transaction's session is created once and finished once", async () => {
    const now = 5_000_000;
    const store = memoryStore({ now: () => now });
    const flows = flowRecords(store, () => now);
    await flows.put(transaction("StateC", now + 600_000));
    const session = await flows.openSession("StateC", { provider: "test", account: "a@x", apiKeyId: "k" });
    expect(session).toMatchObject({ status: "pending", expiresAt: now + 600_000 });
    const again = await flows.openSession("StateC", { provider: "test", account: "a@x", apiKeyId: "k" });
    expect(again?.id).toBe(session?.id);
    expect(await flows.sessionOf("StateC")).toEqual({ sessionId: session?.id, provider: "test" });
    await flows.finishSession(session?.id as string, {
      status: "completed",
      account: "a@x",
      scopes: ["api:read"],
    });
    await flows.finishSession(session?.id as string, { status: "failed", error: "late" });
    expect((await flows.readSession(session?.id as string))?.status).toBe("completed");
    expect(await flows.openSession("missing", { provider: "test", apiKeyId: "k" })).toBeUndefined();
  });

  it("the verifier is in sealed metadata and sweep deletes expired entries", async () => {
    let now = 9_000_000;
    const store = memoryStore({ now: () => now });
    const flows = flowRecords(store, () => now);
    await flows.put(transaction("StateD", now + 1000));
    const record = await store.get({ provider: transactionProvider, account: "StateD" });
    expect(record?.metadata?.transaction).toMatchObject({ codeVerifier: "verifier-secret" });
    await flows.openSession("StateD", { provider: "test", apiKeyId: "k" });
    now += 2000;
    expect(await flows.sweep(now)).toBe(1); // the transaction; the session lives one more hour
    now += 3_600_000;
    expect(await flows.sweep(now)).toBe(1);
    const left = [];
    for (const provider of [transactionProvider, sessionProvider]) {
      for await (const key of store.list({ provider })) left.push(key);
    }
    expect(left).toEqual([]);
  });
});
