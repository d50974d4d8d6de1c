import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { openStore } from "@credstack/open-store";
import { type AesKey, generateKey, keyToBase64 } from "@credstack/storage";
import { freePort, startMoto, startPostgres } from "@credstack/test-services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashApiKey } from "../src/index.js";
import { type AuthServer, providerFor, startAuthServer } from "./helpers/auth-server.js";

// docs/operations.md "Key rotation with running gateways", run for real: two gateway processes on one
// Postgres table under a steady /auth/token load while the operator rotates AES → AES, then AES → KMS.

const gatewayBin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const cliBin = join(
  dirname(createRequire(import.meta.url).resolve("@credstack/cli/package.json")),
  "dist/bin.js",
);
const apiKey = "csk_rotation_runbook_key_0123456789abcdefghij";
const scopes = ["openid", "offline_access", "email", "api:read"];
const records = 16;
const aws = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" };

const stops: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => {});
});

interface Process {
  readonly child: ChildProcess;
  /** stdout and stderr as they came. */
  output(): string;
  stdout(): string;
}

function start(args: string[], env: Record<string, string>): Process {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
    stdout += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  stops.push(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { child, output: () => output, stdout: () => stdout };
}

async function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string; stdout: string }> {
  const child = start(args, env);
  const code = await new Promise<number>((resolve) => child.child.once("exit", (c) => resolve(c ?? -1)));
  return { code, output: child.output(), stdout: child.stdout() };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("key rotation with two running gateways on Postgres (the operations runbook)", () => {
  let pgUrl: string;
  let kmsEndpoint: string;
  let server: AuthServer;
  beforeAll(async () => {
    Object.assign(process.env, aws); // moto accepts any credentials; the AWS SDK needs some
    pgUrl = process.env.CREDSTACK_TEST_PG_URL ?? "";
    if (!pgUrl) {
      const pg = await startPostgres();
      stops.push(() => pg.stop());
      pgUrl = pg.url;
    }
    kmsEndpoint = process.env.CREDSTACK_TEST_KMS_ENDPOINT ?? "";
    if (!kmsEndpoint) {
      const moto = await startMoto();
      stops.push(() => moto.stop());
      kmsEndpoint = moto.endpoint;
    }
  });

  it("AES → AES and AES → KMS under load: 0 failed requests, every record under the new key", async () => {
    const started = Date.now();
    const dir = mkdtempSync(join(tmpdir(), "credstack-runbook-"));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const [portA, portB] = [await freePort(), await freePort()];
    const bases = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const redirectUri = `${bases[0]}/auth/callback/test`;
    server = await startAuthServer({ redirectUris: [redirectUri] });
    stops.push(() => server.close());
    const configPath = join(dir, "gateway.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        providers: { test: providerFor(server, redirectUri) },
        apiKeys: [{ id: "mcp", hash: hashApiKey(apiKey), mode: "unrestricted" }],
        refresh: { cacheMs: 0 }, // every request reads (and opens) the stored record
      }),
    );
    const ringPath = join(dir, "credstack.ring");
    const writeRing = (lines: string[]) => {
      const temporary = `${ringPath}.tmp`;
      writeFileSync(temporary, `# credstack key ring: the first entry seals\n${lines.join("\n")}\n`, {
        mode: 0o600,
      });
      renameSync(temporary, ringPath); // atomic: a gateway never reads half a ring
    };
    const aes = (key: AesKey) => keyToBase64(key);
    const table = `runbook_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
    const store = `${pgUrl}${pgUrl.includes("?") ? "&" : "?"}table=${table}`;
    const env = {
      ...aws,
      CREDSTACK_STORE: store,
      CREDSTACK_KEY_RING_FILE: ringPath,
      CREDSTACK_KMS_ENDPOINT: kmsEndpoint,
      CREDSTACK_KEY_WATCH_MS: "100",
    };

    // Before: every record sealed under K1, the ring holds K1 only.
    const k1 = generateKey();
    const k2 = generateKey();
    writeRing([aes(k1)]);
    const seeded = await openStore(store, { keyRingFile: ringPath });
    for (let i = 0; i < records; i++) {
      await seeded.store.put(
        {
          provider: "test",
          account: `user${i}@example.com`,
          accessToken: `access-${i}`,
          refreshToken: `refresh-${i}`,
          expiresAt: Date.now() + 3_600_000,
          scopes,
        },
        { expectedVersion: 0 },
      );
    }
    await seeded.store.close();

    const gateways = [portA, portB].map((port) =>
      start([gatewayBin], {
        ...env,
        CREDSTACK_GATEWAY_CONFIG: configPath,
        CREDSTACK_GATEWAY_PORT: String(port),
        CREDSTACK_GATEWAY_LOG: "off",
      }),
    );
    for (const [index, base] of bases.entries()) {
      await until(`gateway ${base}: ${gateways[index]?.output()}`, async () => {
        try {
          return (await fetch(`${base}/health`)).status === 200;
        } catch {
          return false;
        }
      });
    }

    // A steady load: 4 clients (each pausing 10 ms between requests), each request to either gateway for a random stored credential.
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const client = async (seed: number) => {
      for (let n = seed; !stop; n++) {
        const i = (n * 7 + seed) % records;
        const base = bases[n % 2] as string;
        try {
          const response = await fetch(`${base}/auth/token`, {
            method: "POST",
            headers: { "x-api-key": apiKey, "content-type": "application/json" },
            body: JSON.stringify({ provider: "test", account: `user${i}@example.com` }),
          });
          const body = (await response.json()) as { accessToken?: string };
          if (response.status === 200 && body.accessToken === `access-${i}`) ok++;
          else failures.push(`${base} ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
        } catch (error) {
          failures.push(`${base} ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10)); // steady, not saturating the machine
      }
    };
    const load = Promise.all([1, 2, 3, 4].map((seed) => client(seed)));
    const reloadedTo = (id: string, count: number) =>
      until(`both gateways sealing with ${id}`, () =>
        gateways.every((g) => g.output().includes(`sealing with ${id}, ${count} key(s) open`)),
      );
    const cli = async (args: string[]) => {
      const result = await run([cliBin, ...args], env);
      expect(result.code, result.output).toBe(0);
      return JSON.parse(result.stdout) as Record<string, number>;
    };
    await until("some load", () => ok > 50);
    const phases: string[] = [];
    let phaseStart = Date.now();
    const phase = (name: string) => {
      phases.push(`${name} ${((Date.now() - phaseStart) / 1000).toFixed(1)} s`);
      phaseStart = Date.now();
    };

    // AES → AES. 1: the new key seals everywhere, the old one still opens. 2: re-seal. 3: drop the old key.
    writeRing([aes(k2), aes(k1)]);
    await reloadedTo(k2.id, 2);
    phase("reload");
    const aesReport = await cli(["reencrypt", "--current-key", "--json"]);
    phase("AES→AES reencrypt");
    expect(aesReport).toMatchObject({ resealed: records, failed: 0, underOtherKeys: 0 });
    writeRing([aes(k2)]);
    await reloadedTo(k2.id, 1);
    const afterAes = ok;
    await until("load under K2 alone", () => ok > afterAes + 50);

    // AES → KMS, the same three steps with `reencrypt --to-kms-key-id`.
    const kms = new KMSClient({
      endpoint: kmsEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT" }),
    );
    const keyId = created.KeyMetadata?.Arn as string;
    writeRing([`kms:${keyId}`, aes(k2)]);
    await reloadedTo(keyId, 2);
    phase("KMS key + reload");
    const kmsReport = await cli(["reencrypt", "--to-kms-key-id", keyId, "--json"]);
    phase("AES→KMS reencrypt");
    expect(kmsReport).toMatchObject({ resealed: records, failed: 0, underOtherKeys: 0 });
    writeRing([`kms:${keyId}`]);
    await reloadedTo(keyId, 1);
    const afterKms = ok;
    await until("load under KMS alone", () => ok > afterKms + 50);
    phase("load under KMS alone");
    stop = true;
    await load;

    // After: every record opens with the KMS key alone (an AES-sealed one would fail ERR_INTEGRITY).
    const after = await openStore(store, { kms: { keyId, endpoint: kmsEndpoint, region: "us-east-1" } });
    let count = 0;
    for await (const key of after.store.list()) {
      expect((await after.store.get(key))?.accessToken).toMatch(/^access-/);
      count++;
    }
    expect(count).toBe(records);
    await after.store.close();

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `rotation runbook: ${ok + failures.length} requests, ${failures.length} failed, ${seconds} s (${phases.join(", ")})`,
    );
    expect(failures.slice(0, 5)).toEqual([]);
    for (const gateway of gateways) gateway.child.kill("SIGTERM");
  });

  it("reloads on SIGHUP (file watching off); a bad key-ring file keeps the current keys and the gateway up", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credstack-sighup-"));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const ringPath = join(dir, "ring");
    const [k1, k2] = [generateKey(), generateKey()];
    writeFileSync(ringPath, `${keyToBase64(k1)}\n`, { mode: 0o600 });
    const port = await freePort();
    const gateway = start([gatewayBin], {
      CREDSTACK_STORE: `file:${join(dir, "store")}`,
      CREDSTACK_KEY_RING_FILE: ringPath,
      CREDSTACK_KEY_WATCH_MS: "0",
      CREDSTACK_GATEWAY_API_KEYS: `mcp:unrestricted:${hashApiKey(apiKey)}`,
      CREDSTACK_GATEWAY_PORT: String(port),
      CREDSTACK_GATEWAY_LOG: "off",
    });
    const health = async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/health`)).status === 200;
      } catch {
        return false;
      }
    };
    await until(`gateway: ${gateway.output()}`, health);
    writeFileSync(ringPath, `${keyToBase64(k2)}\n${keyToBase64(k1)}\n`, { mode: 0o600 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gateway.output()).not.toContain("Keys reloaded"); // not watching: only the signal reloads
    gateway.child.kill("SIGHUP");
    await until("reload on SIGHUP", () => gateway.output().includes(`sealing with ${k2.id}, 2 key(s) open`));
    writeFileSync(ringPath, "not-a-key\n", { mode: 0o600 });
    gateway.child.kill("SIGHUP");
    await until("failed reload", () =>
      gateway.output().includes("Key reload failed, keeping the current keys"),
    );
    expect(gateway.output()).not.toContain("not-a-key");
    expect(await health()).toBe(true);
    gateway.child.kill("SIGTERM");
    expect(await new Promise((resolve) => gateway.child.once("exit", resolve))).toBe(0);
  });
});
