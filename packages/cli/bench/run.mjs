// Benchmark of `credstack migrate`: 10 000 and 100 000 credentials file -> Postgres -> Redis -> file,
// each hop a child `credstack migrate` process whose records/s and peak RSS (maxRSS) are reported. The
// baseline, measured in the same run, is the floor of any migration: reading every source record
// in this process with the same reads the migration does (one listing, then getMany per batch). Run with `pnpm bench` after `pnpm build`.
// Uses CREDSTACK_TEST_PG_URL / CREDSTACK_TEST_REDIS_URL when set, else starts throwaway servers.
// CREDSTACK_BENCH_SIZES=10000,100000 (default) bounds the sizes; each hop has a 10-minute time limit.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { aesGcmCipher, getMany, loadOrCreateKeyFile } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { postgresStore } from "@credstack/storage-postgres";
import { redisStore } from "@credstack/storage-redis";
import { Redis } from "ioredis";
import { absoluteTarget, writeResults } from "../../../scripts/bench-results.mjs";
import "../dist/index.js"; // the package must be built

const bin = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const rssHook = fileURLToPath(new URL("./rss.mjs", import.meta.url));
const sizes = (process.env.CREDSTACK_BENCH_SIZES ?? "10000,100000").split(",").map(Number);
// The CLI's own defaults (--batch 100 --concurrency 8) unless these are set: the bench measures what a
// user running `credstack migrate` gets.
const batch = process.env.CREDSTACK_BENCH_BATCH ?? "100";
const concurrency = process.env.CREDSTACK_BENCH_CONCURRENCY ?? "8";

const services = [];
let pgUrl = process.env.CREDSTACK_TEST_PG_URL;
let redisUrl = process.env.CREDSTACK_TEST_REDIS_URL;
if (!pgUrl || !redisUrl) {
  const { startPostgres, startRedis } = await import("@credstack/test-services");
  if (!pgUrl) {
    const pg = await startPostgres();
    services.push(pg);
    pgUrl = pg.url;
  }
  if (!redisUrl) {
    const redis = await startRedis();
    services.push(redis);
    redisUrl = redis.url;
  }
}

const work = await mkdtemp(join(tmpdir(), "credstack-cli-bench-"));

/** Runs one `credstack migrate` child; returns its summary and peak RSS in MiB. */
async function hop(args) {
  const rssFile = join(work, `rss-${randomBytes(4).toString("hex")}`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--import", rssHook, bin, "migrate", ...args, "--batch", batch, "--concurrency", concurrency, "--json"],
    {
      cwd: work,
      env: { ...process.env, CREDSTACK_BENCH_RSS_FILE: rssFile },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk.toString().slice(-2000)));
  const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
  const status = await new Promise((resolve) => child.on("close", resolve));
  const wallSeconds = (performance.now() - started) / 1000;
  clearTimeout(timer);
  if (status !== 0) throw new Error(`credstack migrate ${args.join(" ")} exited ${status}: ${stderr}`);
  const summary = JSON.parse(stdout);
  const maxRssMiB = Number(await readFile(rssFile, "utf8")) / 1024;
  return { summary, maxRssMiB, wallSeconds };
}

/**
 * Reads every record of a store the way the migration reads its source: one listing, then `getMany` (the
 * store's bulk read, or `get` per key, `concurrency` at a time) per `--batch` keys. The baseline.
 */
async function readAll(store) {
  const started = performance.now();
  let count = 0;
  let keys = [];
  const flush = async () => {
    const results = await getMany(store, keys, { concurrency: Number(concurrency) });
    for (const result of results) if (result.error !== undefined) throw result.error;
    count += keys.length;
    keys = [];
  };
  for await (const key of store.list()) {
    keys.push(key);
    if (keys.length >= Number(batch)) await flush();
  }
  await flush();
  return count / ((performance.now() - started) / 1000);
}

const rows = [];
try {
  for (const size of sizes) {
    const dir = join(work, `src-${size}`);
    await mkdir(dir, { mode: 0o700 });
    const keyFile = join(work, `server-${size}.key`);
    const { key } = await loadOrCreateKeyFile(keyFile);
    const { key: fileKey } = await loadOrCreateKeyFile(join(dir, "credstack.key"));
    const cipher = aesGcmCipher({ keyRing: { active: key } });
    const source = fileStore({ dir, cipher: aesGcmCipher({ keyRing: { active: fileKey } }), fsync: false });
    const now = Date.now();
    for (let start = 0; start < size; start += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, size - start) }, (_, i) =>
          source.put(
            {
              provider: "google",
              account: `user${start + i}@example.com`,
              // ~1.2 KB as stored: Google-sized tokens and an ID token.
              accessToken: `ya29.${randomBytes(135).toString("base64url")}`,
              refreshToken: `1//${randomBytes(75).toString("base64url")}`,
              idToken: `eyJ${randomBytes(480).toString("base64url")}`,
              issuer: "https://accounts.google.com",
              expiresAt: now + 3_600_000,
              scopes: ["openid", "email", "https://www.googleapis.com/auth/gmail.modify"],
              clientId: "bench.apps.googleusercontent.com",
            },
            { expectedVersion: 0 },
          ),
        ),
      );
    }
    const tag = randomBytes(3).toString("hex");
    const pg = `${pgUrl}?schema=bench_${tag}`;
    const redisUrlTagged = new URL(redisUrl);
    redisUrlTagged.searchParams.set("prefix", `bench-${tag}`);
    const redis = redisUrlTagged.toString();
    const k = ["--key-file", keyFile];

    const fileBaseline = await readAll(source);
    const toPg = await hop(["--from", `file:${dir}`, "--to", pg, "--to-key-file", keyFile]);
    const pgStore = postgresStore({ connectionString: pgUrl, schema: `bench_${tag}`, cipher });
    const pgBaseline = await readAll(pgStore);
    const toRedis = await hop(["--from", pg, "--to", redis, ...k]);
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const rStore = redisStore({ client, cipher, prefix: `bench-${tag}` });
    const redisBaseline = await readAll(rStore);
    // The fsync'd file hop writes ~100-1000 records/s (one fsync per record): only at the smaller sizes,
    // to keep the bench within minutes.
    const toFile =
      size <= 10_000
        ? await hop([
            "--from",
            redis,
            "--from-key-file",
            keyFile,
            "--to",
            `file:${join(work, `dst-${size}`)}`,
          ])
        : undefined;
    for (const [name, result, baseline] of [
      ["file -> postgres", toPg, fileBaseline],
      ["postgres -> redis", toRedis, pgBaseline],
      ["redis -> file (fsync)", toFile, redisBaseline],
    ]) {
      if (result === undefined) continue;
      if (result.summary.copied !== size)
        throw new Error(`${name}: copied ${result.summary.copied} of ${size}`);
      rows.push({
        size,
        name,
        perSecond: result.summary.perSecond,
        wallPerSecond: Math.round(size / result.wallSeconds),
        rss: result.maxRssMiB,
        baseline,
      });
    }
    await pgStore.close();
    await rStore.close();
    await client.quit();
    const { default: pgLib } = await import("pg");
    const admin = new pgLib.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "bench_${tag}" CASCADE`);
    await admin.end();
    const cleanup = new Redis(redisUrl);
    for (let cursor = "0"; ; ) {
      const [next, found] = await cleanup.scan(cursor, "MATCH", `{bench-${tag}}*`, "COUNT", 1000);
      if (found.length > 0) await cleanup.del(...found);
      cursor = next;
      if (cursor === "0") break;
    }
    await cleanup.quit();
    await source.close();
    await rm(dir, { recursive: true, force: true });
    await rm(join(work, `dst-${size}`), { recursive: true, force: true });
  }
} finally {
  await rm(work, { recursive: true, force: true });
  for (const service of services.reverse()) await service.stop().catch(() => {});
}

console.log(
  `\n@credstack/cli \`credstack migrate\` benchmark (child process per hop, --batch ${batch} --concurrency ${concurrency}; ~1.2 KB records)\n`,
);
console.log(
  "| records | operation | records/s (CLI, wall-clock) | records/s (whole child process) | peak RSS (MiB) | baseline | baseline records/s |",
);
console.log("|---:|---|---:|---:|---:|---|---:|");
for (const row of rows) {
  console.log(
    `| ${row.size} | migrate ${row.name} | ${row.perSecond} | ${row.wallPerSecond} | ${row.rss.toFixed(0)} | read every source record in-process (list + getMany per batch) | ${Math.round(row.baseline)} |`,
  );
}
const largest = Math.max(...rows.map((row) => row.size));
const targets = [];
for (const row of rows.filter((r) => r.size === largest && r.name !== "redis -> file (fsync)")) {
  targets.push(
    absoluteTarget(
      `migrate ${row.name}, ${row.size} records: records/s (whole child process)`,
      `${row.wallPerSecond.toLocaleString("en")} records/s`,
      "≥ 10,000 records/s",
      row.wallPerSecond >= 10_000,
      `source read alone ${Math.round(row.baseline).toLocaleString("en")}/s`,
    ),
    absoluteTarget(
      `migrate ${row.name}, ${row.size} records: peak RSS`,
      `${row.rss.toFixed(0)} MiB`,
      "< 150 MiB",
      row.rss < 150,
    ),
  );
}
writeResults("cli", targets);
