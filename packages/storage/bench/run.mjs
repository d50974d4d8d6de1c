// Benchmarks for @credstack/storage, each against a baseline measured in the same run.
// Run with `pnpm bench` (turbo builds first).
import { aesGcmCipher, bindingOf, credentialInputSchema, generateKey, memoryStore } from "../dist/index.js";

/** Median ns/op over `samples` timed batches of `batch` awaited calls, after a warm-up. */
async function measure(fn, { batch = 5_000, samples = 21 } = {}) {
  for (let i = 0; i < batch * 3; i++) await fn(i);
  const timings = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn(i);
    timings.push(Number(process.hrtime.bigint() - start) / batch);
  }
  timings.sort((a, b) => a - b);
  return timings[Math.floor(timings.length / 2)];
}

const accounts = Array.from({ length: 1000 }, (_, i) => `user.${i}@example.com`);
const record = (account, i) => ({
  provider: "google",
  account,
  accessToken: `ya29.${"a".repeat(180)}${i}`,
  refreshToken: `1//${"r".repeat(100)}`,
  expiresAt: 1_900_000_000_000,
  scopes: ["openid", "email", "https://www.googleapis.com/auth/drive.readonly"],
});

// memory store vs a bare Map holding the same records, both behind an async call.
const store = memoryStore();
const map = new Map();
for (const [i, account] of accounts.entries()) {
  const stored = await store.put(record(account, i), { expectedVersion: 0 });
  map.set(`google\u0000${account}`, stored);
}
let sink = 0;
const bareGet = async (i) => map.get(`google\u0000${accounts[i % 1000]}`);
const storeGet = (i) => store.get({ provider: "google", account: accounts[i % 1000] });
const versions = new Map(accounts.map((a) => [a, 1]));
const barePut = async (i) => {
  const account = accounts[i % 1000];
  const current = map.get(`google\u0000${account}`);
  if (current.version !== versions.get(account)) throw new Error("conflict");
  const next = { ...current, version: current.version + 1, updatedAt: Date.now() };
  map.set(`google\u0000${account}`, next);
  versions.set(account, next.version);
};
const storeVersions = new Map(accounts.map((a) => [a, 1]));
const inputs = accounts.map((account, i) => record(account, i));
const storePut = async (i) => {
  const account = accounts[i % 1000];
  const stored = await store.put(inputs[i % 1000], { expectedVersion: storeVersions.get(account) });
  storeVersions.set(account, stored.version);
};

// The same bare put, plus the one schema validation every store write performs.
const validatedBarePut = async (i) => {
  credentialInputSchema.parse(inputs[i % 1000]);
  await barePut(i);
};

// AES-256-GCM seal + open of a typical 2 kB record's secrets.
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const plaintext = Buffer.alloc(2048, 0x61);
const aad = bindingOf({ provider: "google", account: "a@x.com" });
const sealOpen = async () => {
  const sealed = await cipher.encrypt(plaintext, aad);
  sink += (await cipher.decrypt(sealed, aad)).length;
};
const copyTwice = async () => {
  sink += Buffer.from(Buffer.from(plaintext)).length;
};

const rows = [
  ["memoryStore.get", await measure(storeGet), "Map.get (async)", await measure(bareGet), 3],
  [
    "memoryStore.put (CAS, validated)",
    await measure(storePut),
    "Map.set with version check (async)",
    await measure(barePut),
    3,
  ],
  [
    "memoryStore.put (CAS, validated)",
    await measure(storePut),
    "Map.set + the same zod parse (async)",
    await measure(validatedBarePut),
    3,
  ],
  [
    "aesGcmCipher seal+open 2 kB",
    await measure(sealOpen, { batch: 2000 }),
    "two 2 kB buffer copies",
    await measure(copyTwice),
    null,
  ],
];

const us = (ns) => (ns / 1000).toFixed(3);
console.log("\n@credstack/storage benchmarks (median of 21 batches; baseline measured in this run)\n");
console.log("| operation | µs/op | ops/s | baseline | baseline µs/op | ratio | target |");
console.log("|---|---:|---:|---|---:|---:|---|");
for (const [name, ns, baseName, baseNs, target] of rows) {
  const ratio = ns / baseNs;
  const verdict = target === null ? "report" : ratio <= target ? `≤ ${target}× ✓` : `≤ ${target}× ✗`;
  console.log(
    `| ${name} | ${us(ns)} | ${Math.round(1e9 / ns).toLocaleString("en")} | ${baseName} | ${us(baseNs)} | ${ratio.toFixed(2)}× | ${verdict} |`,
  );
}
if (sink === -1) console.log(sink);
