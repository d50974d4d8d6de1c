// Benchmarks for @credstack/storage-file against plain fs baselines measured in the same run.
// Run with `pnpm bench` (needs `pnpm build` first; turbo does that). Each row alternates one store
// operation and one baseline operation (so load changes hit both alike), for at most `BENCH_OPS`
// pairs or `BENCH_MS` milliseconds.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { open, readFile, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, bindingOf, formatOneCipher, generateKey, sealRecord } from "@credstack/storage";
import { ratioTarget, writeResults } from "../../../scripts/bench-results.mjs";
import { interleave } from "../../../scripts/bench-timing.mjs";
import { fileStore } from "../dist/index.js";
import { fileNameOf } from "../dist/lib/file-names.js";
import { racyWindowMs } from "../dist/lib/list-keys.js";

const maxOps = Number(process.env.BENCH_OPS ?? 2_000);
const maxMs = Number(process.env.BENCH_MS ?? 4_000);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (timings) => ({
  p50: median(timings),
  opsPerSec: (timings.length * 1e6) / timings.reduce((a, b) => a + b, 0),
});

/** Warm-up calls of each side before a row is measured (both alike), at most `warmupMs` each. */
const warmupOps = 2_000;
const warmupMs = 1_500;

/** Calls `fn` `warmupOps` times, or for `warmupMs`. */
async function warm(fn) {
  const started = performance.now();
  for (let i = 0; i < warmupOps && performance.now() - started < warmupMs; i++) await fn();
}

/**
 * Times `fn` and `baseline` alternately (µs per call), after the same warm-up of both (it was 100 calls:
 * the first row then measured the store's longer path partly while V8 was still optimizing it).
 */
async function pair(fn, baseline) {
  await warm(fn);
  await warm(baseline);
  const a = [];
  const b = [];
  const started = performance.now();
  for (let i = 0; i < maxOps && performance.now() - started < maxMs; i++) {
    let t0 = performance.now();
    await fn();
    a.push((performance.now() - t0) * 1000);
    t0 = performance.now();
    await baseline();
    b.push((performance.now() - t0) * 1000);
  }
  return { store: summary(a), base: summary(b) };
}

/** Times `fn` alone (µs per call). */
async function alone(fn) {
  for (let i = 0; i < 100; i++) await fn();
  const timings = [];
  for (let i = 0; i < maxOps; i++) {
    const t0 = performance.now();
    await fn();
    timings.push((performance.now() - t0) * 1000);
  }
  return summary(timings);
}

process.removeAllListeners("warning"); // the insecurePlaintext row warns by design
const root = mkdtempSync(join(tmpdir(), "credstack-file-bench-"));
const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
const key = { provider: "google", account: "bench.user@example.com" };
const input = {
  ...key,
  accessToken: `ya29.${"a".repeat(1_200)}`,
  refreshToken: `1//${"r".repeat(100)}`,
  idToken: `eyJ${"i".repeat(900)}`,
  expiresAt: 1_900_000_000_000,
  scopes: ["openid", "email", "https://www.googleapis.com/auth/drive.readonly"],
  issuer: "https://accounts.google.com",
  clientId: "client-123.apps.googleusercontent.com",
};

const stores = {
  sealed: fileStore({ dir: join(root, "sealed"), cipher }),
  plain: fileStore({ dir: join(root, "plain"), insecurePlaintext: true }),
  noSync: fileStore({ dir: join(root, "no-fsync"), cipher, fsync: false }),
  // The previous record format (secrets only, clear columns not authenticated), beside it in the same run.
  sealedV1: fileStore({ dir: join(root, "sealed-v1"), cipher: formatOneCipher(cipher) }),
  noSyncV1: fileStore({ dir: join(root, "no-fsync-v1"), cipher: formatOneCipher(cipher), fsync: false }),
};
const versions = {};
for (const [name, store] of Object.entries(stores)) {
  await store.put(input, { expectedVersion: 0 });
  versions[name] = 1;
}
const fileOf = (name) => join(root, name, readdirSync(join(root, name)).filter((f) => !f.startsWith("."))[0]);
const bytes = await readFile(fileOf("sealed"));
// The baselines do the store's AES-256-GCM work on the same record's secrets: open on get, seal on put.
const aad = bindingOf(key);
const { sealed: sealedSecrets } = await sealRecord(await stores.sealed.get(key), cipher);
const openedSecrets = await cipher.decrypt(sealedSecrets, aad);
const sealedPath = fileOf("sealed"); // found once: a get reads one known path
const plainPath = fileOf("plain");

const baseDir = join(root, "baseline");
mkdirSync(baseDir, { mode: 0o700 });
let tempCounter = 0;
/** The plain-fs way to replace a file: temp file, optional fsync, rename, optional directory fsync. */
async function replace({ sync, syncDir, seal = true }) {
  if (seal) await cipher.encrypt(openedSecrets, aad);
  const temp = join(baseDir, `.tmp-${tempCounter++}`);
  const handle = await open(temp, "wx", 0o600);
  await handle.writeFile(bytes);
  if (sync) await handle.sync();
  await handle.close();
  await rename(temp, join(baseDir, "target"));
  if (syncDir) {
    const dir = await open(baseDir, "r");
    await dir.sync();
    await dir.close();
  }
}
const put = (name) => async () => {
  await stores[name].put(input, { expectedVersion: versions[name] });
  versions[name]++;
};

const rows = [
  [
    "get (aes-256-gcm)",
    () => stores.sealed.get(key),
    "fs.readFile of the same file + AES-GCM open",
    async () => {
      await readFile(sealedPath);
      return cipher.decrypt(sealedSecrets, aad);
    },
    1.2,
  ],
  [
    "get (insecurePlaintext)",
    () => stores.plain.get(key),
    "fs.readFile of the same file",
    () => readFile(plainPath),
  ],
  [
    "put, fsync (aes-256-gcm)",
    put("sealed"),
    "AES-GCM seal + temp + fsync + rename + dir fsync",
    () => replace({ sync: true, syncDir: true }),
    1.5,
  ],
  [
    "put, fsync (insecurePlaintext)",
    put("plain"),
    "temp + fsync + rename + dir fsync",
    () => replace({ sync: true, syncDir: true, seal: false }),
  ],
  [
    "put, fsync: false (aes-256-gcm)",
    put("noSync"),
    "AES-GCM seal + temp + rename",
    () => replace({ sync: false }),
  ],
  [
    "get, whole-record seal (format 2)",
    () => stores.sealed.get(key),
    "get, previous format (1)",
    () => stores.sealedV1.get(key),
  ],
  [
    "put, fsync, whole-record seal (format 2)",
    put("sealed"),
    "put, fsync, previous format (1)",
    put("sealedV1"),
  ],
  [
    "put, fsync: false, whole-record seal (format 2)",
    put("noSync"),
    "put, fsync: false, previous format (1)",
    put("noSyncV1"),
  ],
];
const results = [];
for (const [name, fn, baselineName, baseline, target] of rows)
  results.push({ name, baselineName, target, ...(await pair(fn, baseline)) });

// One page of 100 keys from the middle of an idle store of N records, at two sizes: a page should cost
// the same whatever N (files made directly, names only: listing reads no `c-` file). Both stores are made,
// settled past the snapshot's racy window and warmed up the same way, then measured in alternating
// rounds (interleave), so load from elsewhere hits both alike. The first page of each builds its snapshot
// (a directory scan, counted separately below); later pages reuse it at both sizes — checked, not assumed.
const listStores = {};
for (const count of [2_000, 50_000]) {
  const dir = join(root, `list-${count}`);
  mkdirSync(dir, { mode: 0o700 });
  for (let i = 0; i < count; i++) {
    writeFileSync(
      join(dir, fileNameOf({ provider: "google", account: `user${String(i).padStart(7, "0")}@x.com` }).name),
      "",
    );
  }
  listStores[count] = { dir, store: fileStore({ dir, insecurePlaintext: true }) };
}
const lastChange = Math.max(...Object.values(listStores).map(({ dir }) => statSync(dir).mtimeMs));
await new Promise((resolve) =>
  setTimeout(resolve, Math.max(0, lastChange + racyWindowMs + 100 - Date.now())),
);
const pageOf = (count) => {
  const { store } = listStores[count];
  const after = { provider: "google", account: `user${String(count >> 1).padStart(7, "0")}@x.com` };
  return async () => {
    let n = 0;
    for await (const _ of store.list({ after, limit: 100 })) n++;
    if (n !== 100) throw new Error(`page of ${n}`);
  };
};
const scans = {};
for (const count of [2_000, 50_000]) {
  const t0 = performance.now();
  await pageOf(count)(); // builds the snapshot
  scans[count] = (performance.now() - t0) * 1000;
}
const listed = await interleave(pageOf(50_000), pageOf(2_000), { rounds: 10, perRound: 300, warmup: 300 });
// A page that rescanned would cost milliseconds (see the scan figures): both p99s must stay far below.
for (const count of [2_000, 50_000]) {
  const p99 = (count === 50_000 ? listed.candidate : listed.baseline).p99;
  if (p99 > scans[count] / 4 && p99 > 1_000) throw new Error(`list() at ${count} did not reuse its snapshot`);
}
for (const { store, dir } of Object.values(listStores)) {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
const largePage = listed.candidate.p50;
const smallPage = listed.baseline.p50;
results.push({
  name: "list() page of 100 keys, 50 000 records",
  baselineName: "same page, 2 000 records",
  store: listed.candidate,
  base: listed.baseline,
});
writeResults("storage-file", [
  ...results
    .filter((r) => r.target !== undefined)
    .map((r) => ratioTarget(`${r.name} p50 vs ${r.baselineName}`, r.store.p50, r.base.p50, r.target, "µs")),
  ratioTarget("list() page of 100 at 50 000 records vs at 2 000", largePage, smallPage, 2, "µs"),
]);

// The cipher's share: AES-256-GCM alone on the same record's secrets.
const decrypt = await alone(() => cipher.decrypt(sealedSecrets, aad));
const encrypt = await alone(() => cipher.encrypt(openedSecrets, aad));

console.log(
  `\n@credstack/storage-file benchmarks (${bytes.length}-byte record file, median of up to ${maxOps} alternating pairs)\n`,
);
console.log("| operation | ops/s | p50 µs | baseline | baseline p50 µs | ratio (p50) |");
console.log("|---|---:|---:|---|---:|---:|");
for (const { name, store, baselineName, base } of results) {
  console.log(
    `| ${name} | ${store.opsPerSec.toFixed(0)} | ${store.p50.toFixed(1)} | ${baselineName} | ${base.p50.toFixed(1)} | ${(store.p50 / base.p50).toFixed(2)}× |`,
  );
}
console.log(
  `\nlist() pages (alternating rounds): p99 ${listed.candidate.p99.toFixed(1)} µs at 50 000, ${listed.baseline.p99.toFixed(1)} µs at 2 000; ` +
    `first page (directory scan, snapshot built) ${(scans[50_000] / 1000).toFixed(0)} ms at 50 000, ${(scans[2_000] / 1000).toFixed(1)} ms at 2 000.`,
);
console.log(
  `\nCipher share: AES-256-GCM decrypt p50 ${decrypt.p50.toFixed(1)} µs (${((100 * decrypt.p50) / results[0].store.p50).toFixed(0)}% of get); ` +
    `encrypt p50 ${encrypt.p50.toFixed(1)} µs (${((100 * encrypt.p50) / results[2].store.p50).toFixed(0)}% of put with fsync).`,
);
console.log(
  "A put also reads the current version and takes and releases the key's lock file (O_EXCL create, unlink).\n",
);

await Promise.all(Object.values(stores).map((store) => store.close()));
rmSync(root, { recursive: true, force: true });
