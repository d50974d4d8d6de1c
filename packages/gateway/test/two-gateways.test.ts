import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { aesGcmCipher, generateKey, keyToBase64 } from "@credstack/storage";
import { postgresStore } from "@credstack/storage-postgres";
import { freePort, startPostgres } from "@credstack/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/index.js";
import { type AuthServer, providerFor, startAuthServer } from "./helpers/auth-server.js";
import type { Json } from "./helpers/setup.js";

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const built = existsSync(bin);
const apiKey = "csk_two_process_test_key_0123456789abcdefghij";
const account = "alice@example.com";

const stops: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
});

function startGateway(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [bin], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  stops.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { child, output: () => output };
}

async function waitHealthy(base: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health`)).status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gateway at ${base} did not start: ${output().slice(0, 2000)}`);
}

describe.skipIf(!built)("two gateway processes on one Postgres store, rotating provider", () => {
  let server: AuthServer;
  let url: string;
  beforeAll(async () => {
    url = process.env.CREDSTACK_TEST_PG_URL ?? "";
    if (!url) {
      const pg = await startPostgres();
      stops.push(() => pg.stop());
      url = pg.url;
    }
  });

  it("finishes a flow across replicas; one refresh per expiry; no lost rotation", async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const baseA = `http://127.0.0.1:${portA}`;
    const baseB = `http://127.0.0.1:${portB}`;
    const redirectUri = `${baseA}/auth/callback/test`;
    server = await startAuthServer({ redirectUris: [redirectUri], accessTokenTtlSec: 300 });
    stops.push(() => server.close());
    const dir = mkdtempSync(join(tmpdir(), "credstack-gateway-"));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const configPath = join(dir, "gateway.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        providers: { test: providerFor(server, redirectUri) },
        apiKeys: [{ id: "mcp", hash: hashApiKey(apiKey), mode: "unrestricted" }],
        refresh: { cacheMs: 0 },
      }),
    );
    const key = generateKey();
    const table = `gw_${Date.now().toString(36)}`;
    const storeUrl = `${url}${url.includes("?") ? "&" : "?"}table=${table}`;
    const env = {
      CREDSTACK_GATEWAY_CONFIG: configPath,
      CREDSTACK_STORE: storeUrl,
      CREDSTACK_KEY: keyToBase64(key),
      CREDSTACK_GATEWAY_LOG: "off",
    };
    const a = startGateway({ ...env, CREDSTACK_GATEWAY_PORT: String(portA) });
    const b = startGateway({ ...env, CREDSTACK_GATEWAY_PORT: String(portB) });
    await Promise.all([waitHealthy(baseA, a.output), waitHealthy(baseB, b.output)]);
    const store = postgresStore({
      connectionString: url,
      table,
      cipher: aesGcmCipher({ keyRing: { active: key } }),
      maxConnections: 2,
    });
    stops.push(() => store.close());
    const call = async (base: string, method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          "x-api-key": apiKey,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Json };
    };

    // Start on A, let the provider redirect to B: the pending authorization lives in the shared store.
    const init = await call(baseA, "POST", "/auth/init", { provider: "test", account });
    expect(init.status).toBe(200);
    const callback = new URL(await server.authorize(init.json.authorizationUrl as string));
    expect(callback.port).toBe(String(portA));
    callback.port = String(portB);
    expect((await fetch(callback)).status).toBe(200);
    expect((await call(baseA, "GET", `/auth/status/${init.json.sessionId}`)).json.status).toBe("completed");

    const credential = { provider: "test", account };
    for (let round = 0; round < 3; round++) {
      const current = await store.get(credential);
      if (current === undefined) throw new Error("no credential");
      await store.put({ ...current, expiresAt: Date.now() - 1000 }, { expectedVersion: current.version });
      const posts = server.calls.tokenPosts;
      const answers = await Promise.all(
        [baseA, baseB, baseA, baseB, baseA, baseB].map((base) =>
          call(base, "POST", "/auth/token", { provider: "test", account }),
        ),
      );
      expect(server.calls.tokenPosts - posts).toBe(1); // exactly one redemption per expiry, across both
      const stored = await store.get(credential);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.json.accessToken).toBe(stored?.accessToken);
      }
      expect(stored?.refreshToken).not.toBe(current.refreshToken); // rotated, and the rotation kept
      expect(stored?.version).toBe(current.version + 2);
    }
    // The last rotated refresh token is the live one: a forced refresh on B succeeds.
    const forced = await call(baseB, "POST", "/auth/token", {
      provider: "test",
      account,
      forceRefresh: true,
    });
    expect(forced.status).toBe(200);

    for (const gateway of [a, b]) gateway.child.kill("SIGTERM");
    const codes = await Promise.all(
      [a, b].map((gateway) => new Promise((resolve) => gateway.child.once("exit", (code) => resolve(code)))),
    );
    expect(codes).toEqual([0, 0]);
  });
});
