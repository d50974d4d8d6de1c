// Benchmarks for @credstack/storage, each against a baseline measured in the same run.
// Run with `pnpm bench` (turbo builds first).
import { ratioTarget, writeResults } from "../../../scripts/bench-results.mjs";
import { aesGcmCipher, bindingOf, generateKey, memoryStore } from "../dist/index.js";

/** ns/op of one timed batch of `batch` awaited calls. */
async function batchOf(fn, batch) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) await fn(i);
  return Number(process.hrtime.bigint() - start) / batch;
}

/**
 * Median ns/op of `fn` and of `baseline` over `samples` batches each, the batches interleaved (so load
 * from elsewhere on the machine hits both alike), after a warm-up of both.
 */
async function compare(fn, baseline, { batch = 5_000, samples = 21 } = {}) {
  for (let i = 0; i < batch * 3; i++) await fn(i);
  for (let i = 0; i < batch * 3; i++) await baseline(i);
  const a = [];
  const b = [];
  for (let s = 0; s < samples; s++) {
    a.push(await batchOf(fn, batch));
    b.push(await batchOf(baseline, batch));
  }
  const median = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return [median(a), median(b)];
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

const rows = [];
for (const [name, fn, baseName, baseline, target, options] of [
  ["memoryStore.get", storeGet, "Map.get (async)", bareGet, 3],
  ["memoryStore.put (CAS, validated)", storePut, "Map.set with version check (async)", barePut, 3],
  ["aesGcmCipher seal+open 2 kB", sealOpen, "two 2 kB buffer copies", copyTwice, null, { batch: 2000 }],
]) {
  const [ns, baseNs] = await compare(fn, baseline, options);
  rows.push([name, ns, baseName, baseNs, target]);
}
writeResults(
  "storage",
  rows
    .filter((row) => row[4] !== null)
    .map(([name, ns, baseName, baseNs, target]) =>
      ratioTarget(`${name} vs ${baseName}`, ns / 1000, baseNs / 1000, target, "µs"),
    ),
);

const us = (ns) => (ns / 1000).toFixed(3);
console.log("\n@credstack/storage benchmarks (median of 21 batches, interleaved with the baseline's)\n");
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
