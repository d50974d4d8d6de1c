import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  aesGcmCipher,
  type CredentialInput,
  type CredentialStore,
  loadOrCreateKeyFile,
} from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { afterAll, expect, inject } from "vitest";
import "./global-setup.js";

/** The built binary. */
export const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));

/** What a `credstack` subprocess did. */
export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment of the subprocesses: no inherited CREDSTACK_STORE, fake AWS credentials for moto. */
export const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
  delete env.CREDSTACK_STORE;
  return env;
};

/** Starts `credstack …` as a child process. */
export function start(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): ChildProcess {
  return spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: options.env ?? baseEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Collects a child's output and exit. */
export function finished(child: ChildProcess): Promise<RunResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) =>
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
}

/** Runs `credstack …` to the end. */
export function credstack(
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  return finished(start(args, options));
}

/** A fresh temporary directory, removed after the file's tests. */
const temporaries: string[] = [];
afterAll(async () => {
  for (const dir of temporaries.splice(0)) await rm(dir, { recursive: true, force: true });
});
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "credstack-cli-"));
  temporaries.push(dir);
  return dir;
}

/** Test servers (see global-setup.ts). */
export const pgUrl = (): string => inject("pgUrl");
export const redisUrl = (): string => inject("redisUrl");
export const kmsEndpoint = (): string => inject("kmsEndpoint");

/** A postgres store URI in a schema no other test uses. */
export const pgStore = (label: string): string =>
  `${pgUrl()}?schema=cli_${label}_${randomBytes(4).toString("hex")}`;
/** A redis store URI under a prefix no other test uses. */
export const redisStoreUri = (label: string): string => {
  const url = new URL(redisUrl());
  url.searchParams.set("prefix", `cli-${label}-${randomBytes(4).toString("hex")}`);
  return url.toString();
};

/** Creates a symmetric KMS key in the emulator and returns its ARN. */
export async function createKmsKey(): Promise<string> {
  const client = new KMSClient({
    endpoint: kmsEndpoint(),
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  const output = await client.send(new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT" }));
  client.destroy();
  return output.KeyMetadata?.Arn as string;
}

/** The secrets of seeded record `index`: recognizable, so outputs can be scanned for them. */
export const secretsOf = (index: number) => ({
  accessToken: `seeded-access-${index}-${"a".repeat(8)}`,
  refreshToken: `seeded-refresh-${index}-${"r".repeat(8)}`,
});

/** A seeded record. */
export function seededRecord(index: number, overrides: Partial<CredentialInput> = {}): CredentialInput {
  return {
    provider: index % 3 === 0 ? "github" : "google",
    account: `User${index}@Example.com`,
    ...secretsOf(index),
    expiresAt: Date.now() + 3_600_000,
    scopes: ["openid", "https://www.googleapis.com/auth/gmail.modify"],
    metadata: { clientSecret: `seeded-client-secret-${index}` },
    ...overrides,
  };
}

/**
 * Opens the `file:` store at `dir` as the CLI does by default (key file `<dir>/credstack.key`, created
 * if missing) — for seeding and checking from the test process.
 */
export async function openFileStore(dir: string): Promise<CredentialStore> {
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { key } = await loadOrCreateKeyFile(join(dir, "credstack.key"));
  return fileStore({ dir, cipher: aesGcmCipher({ keyRing: { active: key } }), fsync: false });
}

/** Seeds `count` records (every fifth written twice, so versions differ). */
export async function seed(store: CredentialStore, count: number, from = 0): Promise<void> {
  const indexes = Array.from({ length: count }, (_, i) => from + i);
  for (let start = 0; start < indexes.length; start += 50) {
    await Promise.all(
      indexes.slice(start, start + 50).map(async (index) => {
        const stored = await store.put(seededRecord(index), { expectedVersion: 0 });
        if (index % 5 === 0)
          await store.put(
            { ...stored, accessToken: `${secretsOf(index).accessToken}-v2` },
            { expectedVersion: 1 },
          );
      }),
    );
  }
}

/** Fails if any seeded secret (or key material) appears in `text`. */
export function expectNoSecrets(text: string, extra: readonly string[] = []): void {
  expect(text).not.toMatch(/seeded-(access|refresh|client-secret)-/);
  for (const secret of extra) expect(text).not.toContain(secret);
}

/** Every key of a store, as `provider\0account` strings. */
export async function keysOf(store: CredentialStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list()) keys.push(`${key.provider}\0${key.account}`);
  return keys;
}
