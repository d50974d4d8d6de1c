import { memoryStore } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { McpConfigError } from "./errors.js";
import { registeredClientSlot, storeRegisteredClients } from "./registered-clients.js";

function setup(ttlMs?: number) {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const store = memoryStore({ now: clock });
  const clients = storeRegisteredClients(store, { clock, ...(ttlMs === undefined ? {} : { ttlMs }) });
  return {
    store,
    clients,
    advance: (ms: number) => {
      now += ms;
    },
    now: clock,
  };
}

const metadata = { redirect_uris: ["http://127.0.0.1:9/cb"], client_name: "agent", scope: "mcp:tools" };

describe("storeRegisteredClients", () => {
  it("registers (generated or given client_id) and reads back the full information", async () => {
    const { store, clients, now } = setup();
    const generated = await clients.registerClient(metadata);
    expect(generated.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.client_id_issued_at).toBe(Math.floor(now() / 1000));
    expect(await clients.getClient(generated.client_id)).toEqual(generated);
    const given = await clients.registerClient({
      ...metadata,
      client_id: "from-handler",
      client_secret: "s3cret",
      client_secret_expires_at: 0,
    } as never);
    expect(given.client_id).toBe("from-handler");
    expect((await clients.getClient("from-handler"))?.client_secret).toBe("s3cret");
    expect(await store.get({ provider: registeredClientSlot, account: "from-handler" })).toMatchObject({
      clientId: "from-handler",
      scopes: ["mcp:tools"],
    });
    expect(await clients.getClient("unknown")).toBeUndefined();
    expect(await clients.getClient("")).toBeUndefined();
  });

  it("registrations expire after ttlMs; a secret never outlives its registration", async () => {
    const { clients, advance, now } = setup(60_000);
    const client = await clients.registerClient({
      ...metadata,
      client_secret: "s",
      client_secret_expires_at: 0,
    });
    expect(client.client_secret_expires_at).toBe(Math.floor((now() + 60_000) / 1000));
    advance(59_999);
    expect(await clients.getClient(client.client_id)).toBeDefined();
    advance(1);
    expect(await clients.getClient(client.client_id)).toBeUndefined();
  });

  it("deleteExpired removes only expired registrations; ttlMs 0 keeps them forever", async () => {
    const { store, clients, advance } = setup(1000);
    const old = await clients.registerClient(metadata);
    advance(500);
    const fresh = await clients.registerClient(metadata);
    advance(600);
    expect(await clients.deleteExpired()).toBe(1);
    expect(await store.get({ provider: registeredClientSlot, account: old.client_id })).toBeUndefined();
    expect(await clients.getClient(fresh.client_id)).toBeDefined();
    const forever = setup(0);
    const kept = await forever.clients.registerClient(metadata);
    forever.advance(10 * 365 * 24 * 3600_000);
    expect(await forever.clients.getClient(kept.client_id)).toBeDefined();
    expect(await forever.clients.deleteExpired()).toBe(0);
  });

  it("refuses a live duplicate client_id and bad options", async () => {
    const { clients, advance } = setup(1000);
    await clients.registerClient({ ...metadata, client_id: "dup" } as never);
    await expect(clients.registerClient({ ...metadata, client_id: "dup" } as never)).rejects.toBeInstanceOf(
      McpConfigError,
    );
    advance(1000);
    await expect(clients.registerClient({ ...metadata, client_id: "dup" } as never)).resolves.toMatchObject({
      client_id: "dup",
    });
    expect(() => storeRegisteredClients(memoryStore(), { ttlMs: -1 })).toThrow(McpConfigError);
  });
});
