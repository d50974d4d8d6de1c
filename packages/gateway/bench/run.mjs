// Load test of POST /auth/token (cached tokens) with autocannon, loopback only, bounded: ACCOUNTS accounts,
// CONNECTIONS connections, DURATION seconds per run, on the file store and on Postgres, against a bare
// Fastify route returning the same JSON (the baseline, measured in the same run).
// Run with `pnpm bench` after `pnpm build`. Postgres: CREDSTACK_TEST_PG_URL, else a throwaway server.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const accounts = Number(process.env.ACCOUNTS ?? 1000);
const connections = Number(process.env.CONNECTIONS ?? 200);
const duration = Number(process.env.DURATION ?? 20);
const apiKey = "csk_bench_key_0123456789abcdefghijklmnopqrstuvwx";
const serverScript = fileURLToPath(new URL("./server.mjs", import.meta.url));

async function startServer(kind, extraEnv = {}) {
  const child = spawn(process.execPath, [serverScript], {
    env: { ...process.env, KIND: kind, ACCOUNTS: String(accounts), API_KEY: apiKey, ...extraEnv },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    lines.once("line", (line) => resolve(JSON.parse(line).url));
    child.once("exit", (code) => reject(new Error(`${kind} server exited ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", resolve);
        child.stdin.end();
      }),
  };
}

function load(url, { seconds = duration } = {}) {
  let next = 0;
  return autocannon({
    url: `${url}/auth/token`,
    connections,
    duration: seconds,
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    requests: [
      {
        setupRequest(request) {
          const account = `user${next++ % accounts}@example.com`;
          return { ...request, body: JSON.stringify({ provider: "bench", account }) };
        },
      },
    ],
  });
}

/** One server, a 3 s warm-up (discarded), then one run per load shape. */
async function measure(kind, extraEnv, shapes) {
  const server = await startServer(kind, extraEnv);
  try {
    await load(server.url, { seconds: 3 });
    const results = [];
    for (const shape of shapes) results.push(await load(server.url, shape));
    return results;
  } finally {
    await server.stop();
  }
}

let pgUrl = process.env.CREDSTACK_TEST_PG_URL;
let stopPg;
if (!pgUrl) {
  const { startPostgres } = await import("@credstack/test-services");
  const pg = await startPostgres();
  pgUrl = pg.url;
  stopPg = () => pg.stop();
}

// As fast as the connections go. (autocannon's overallRate sends each second's requests in one burst,
// so a paced run would measure the burst, not the gateway: not used.)
const rows = [];
try {
  const [baseline] = await measure("baseline", {}, [{}]);
  for (const [name, kind] of [
    ["POST /auth/token, file store", "file"],
    ["POST /auth/token, Postgres", "postgres"],
  ]) {
    const [result] = await measure(kind, { PG_URL: pgUrl }, [{}]);
    rows.push({ name, result, baseline });
  }
} finally {
  await stopPg?.();
}

console.log(
  `\n@credstack/gateway load test: ${accounts} accounts, ${connections} connections, ${duration} s per run, loopback\n`,
);
console.log(
  "| operation | req/s | p50 ms | p99 ms | non-2xx + errors | baseline | baseline req/s | baseline p99 ms | ratio (req/s) |",
);
console.log("|---|---:|---:|---:|---:|---|---:|---:|---:|");
for (const { name, result, baseline } of rows) {
  console.log(
    `| ${name} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} | ${
      result.non2xx + result.errors + result.timeouts
    } | bare Fastify route, same JSON | ${Math.round(baseline.requests.average)} | ${baseline.latency.p99} | ${(
      result.requests.average / baseline.requests.average
    ).toFixed(2)}× |`,
  );
}
for (const row of rows.filter((entry) => entry.name.includes("Postgres"))) {
  console.log(`${row.name}: p99 ${row.result.latency.p99} ms (target < 20 ms for cached tokens).`);
}
