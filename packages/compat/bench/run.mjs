// Benchmarks for @credstack/compat against baselines measured in the same run.
// Run with `pnpm bench` after `pnpm build`. Bounded: a 200-file directory, a few seconds in total.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryStore } from "@credstack/storage";
import { fromLegacyCredentials, importLegacy, toLegacyCredentials } from "../dist/index.js";
import { fernetEncrypt } from "../dist/lib/fernet.js";

const files = 200;
const dir = mkdtempSync(join(tmpdir(), "credstack-compat-bench-"));
const serverKey = randomBytes(32);
writeFileSync(join(dir, ".auth_encryption_key"), `${serverKey.toString("base64url")}=`);
const creds = (i) => ({
  token: `ya29.${randomBytes(60).toString("base64url")}`,
  refresh_token: `1//${randomBytes(40).toString("base64url")}`,
  token_uri: "https://oauth2.googleapis.com/token",
  client_id: "client.apps.googleusercontent.com",
  client_secret: "secret",
  scopes: ["openid", "https://www.googleapis.com/auth/drive"],
  expiry: "2030-01-01T00:00:00",
  user_email: `user${i}@example.com`,
});
const mapping = {};
for (let i = 0; i < files; i++) {
  const safe = `user${i}_at_example_com`;
  if (i % 2 === 0) writeFileSync(join(dir, `${safe}_credentials.json`), JSON.stringify(creds(i)));
  else {
    const token = fernetEncrypt(serverKey, Buffer.from(JSON.stringify(creds(i))));
    writeFileSync(join(dir, `${safe}_credentials.enc`), Buffer.from(token).toString("base64url"));
    mapping[safe] = `user${i}@example.com`;
  }
}

/** p50 µs and ops/s of `fn` over `runs` runs (after 2 warm-ups), each handling `per` items. */
async function measure(fn, { runs = 15, per = 1 } = {}) {
  for (let i = 0; i < 2; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1000 / per);
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)];
  return { p50, ops: 1e6 / p50 };
}

let sink = 0;
const sample = creds(1);
const rows = [
  {
    name: `importLegacy, ${files} files (half Fernet) → memoryStore, per file`,
    ...(await measure(
      async () => {
        const report = await importLegacy({ dir, to: memoryStore(), mapping });
        sink += report.imported;
      },
      { per: files },
    )),
    baselineName: "readFileSync of the same files",
    baseline: await measure(
      () => {
        for (const name of readdirSync(dir))
          if (!name.startsWith(".")) sink += readFileSync(join(dir, name)).length;
      },
      { per: files },
    ),
  },
  {
    name: "fromLegacyCredentials + toLegacyCredentials",
    ...(await measure(
      () => {
        for (let i = 0; i < 1000; i++)
          sink += Object.keys(toLegacyCredentials(fromLegacyCredentials(sample))).length;
      },
      { per: 1000 },
    )),
    baselineName: "JSON.parse(JSON.stringify(file))",
    baseline: await measure(
      () => {
        for (let i = 0; i < 1000; i++) sink += Object.keys(JSON.parse(JSON.stringify(sample))).length;
      },
      { per: 1000 },
    ),
  },
];
rmSync(dir, { recursive: true, force: true });

console.log("\n@credstack/compat benchmarks (p50 of 15 runs)\n");
console.log("| operation | ops/s | p50 µs | baseline | baseline p50 µs | ratio |");
console.log("|---|---:|---:|---|---:|---:|");
for (const row of rows) {
  console.log(
    `| ${row.name} | ${Math.round(row.ops)} | ${row.p50.toFixed(2)} | ${row.baselineName} | ${row.baseline.p50.toFixed(2)} | ${(row.p50 / row.baseline.p50).toFixed(1)}× |`,
  );
}
console.log(`\n(sink ${sink > 0 ? "ok" : "empty"})`);
