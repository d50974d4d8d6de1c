import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { keySourcesFromEnv, openStore } from "@credstack/open-store";
import { generateKey, keyToBase64 } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { baseEnv, credstack, expectNoSecrets, pgStore, seededRecord, tempDir } from "./cli-env.js";

/** Opens a store as the gateway does (its `openStore` is this call with `create: true`). */
const openGatewayStore = (uri: string, env: NodeJS.ProcessEnv, cwd: string) =>
  openStore(uri, keySourcesFromEnv(env, cwd), { cwd, create: true });

describe("keys from the environment (one store opener with the gateway)", () => {
  it("CREDSTACK_KEY=… CREDSTACK_STORE=postgres://… credstack list reads what the gateway wrote", async () => {
    const cwd = await tempDir();
    const key = generateKey();
    const store = pgStore("envkey");
    const env = { ...baseEnv(), CREDSTACK_STORE: store, CREDSTACK_KEY: keyToBase64(key) };
    const gateway = await openGatewayStore(store, env, cwd);
    await gateway.store.put(seededRecord(1), { expectedVersion: 0 });
    await gateway.store.close();
    const listed = await credstack(["list", "--json"], { cwd, env });
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain("User1@Example.com");
    expectNoSecrets(listed.stdout + listed.stderr, [keyToBase64(key)]);

    // After a rotation: the new key seals, the old one opens through CREDSTACK_PREVIOUS_KEYS …
    const next = generateKey();
    const rotated = { ...env, CREDSTACK_KEY: keyToBase64(next), CREDSTACK_PREVIOUS_KEYS: keyToBase64(key) };
    const inspected = await credstack(["inspect", "google", "User1@Example.com", "--json"], {
      cwd,
      env: rotated,
    });
    expect(inspected.status, inspected.stderr).toBe(0);
    // … and through a key-ring file, the same for the gateway and the CLI.
    const ring = join(cwd, "ring");
    await writeFile(ring, `${keyToBase64(next)}\n${keyToBase64(key)}\n`, { mode: 0o600 });
    const ringEnv = { ...baseEnv(), CREDSTACK_STORE: store, CREDSTACK_KEY_RING_FILE: ring };
    const reencrypted = await credstack(["reencrypt", "--current-key", "--json"], { cwd, env: ringEnv });
    expect(reencrypted.status, reencrypted.stderr).toBe(0);
    expect(JSON.parse(reencrypted.stdout)).toMatchObject({
      resealed: 1,
      underOtherKeys: 0,
      activeKeyId: next.id,
    });
    const newOnly = await openGatewayStore(store, { CREDSTACK_KEY: keyToBase64(next) }, cwd);
    expect((await newOnly.store.get({ provider: "google", account: "User1@Example.com" }))?.version).toBe(2);
    await newOnly.store.close();

    // Without any key the message names the variables as well as the options (exit 2).
    const none = await credstack(["list"], { cwd, env: { ...baseEnv(), CREDSTACK_STORE: store } });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("CREDSTACK_KEY_RING_FILE");
  });
});
