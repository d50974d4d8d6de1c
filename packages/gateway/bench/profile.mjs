// Where the gateway's CPU goes on the cached POST /auth/token path: one bench/server.mjs (KIND=postgres,
// file, memory or baseline) under load, its CPU time per request (from /proc, Linux), and with
// PROFILE=1 a V8 CPU profile summarised per function (self and total; wall-clock samples, so on a busy
// machine syscalls such as writev also carry the time the process waited for a CPU).
// `node bench/profile.mjs postgres` after `pnpm build`; DURATION, CONNECTIONS, ACCOUNTS, LOGGER, CACHE_MS.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const kind = process.argv[2] ?? "postgres";
const accounts = Number(process.env.ACCOUNTS ?? 1000);
const apiKey = "csk_bench_key_0123456789abcdefghijklmnopqrstuvwx";
const dir = mkdtempSync(join(tmpdir(), "credstack-gw-profile-"));
const child = spawn(
  process.execPath,
  [
    ...(process.env.PROFILE === "1" ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : []),
    fileURLToPath(new URL("./server.mjs", import.meta.url)),
  ],
  {
    env: {
      ...process.env,
      KIND: kind,
      ACCOUNTS: String(accounts),
      API_KEY: apiKey,
      PG_URL: process.env.CREDSTACK_TEST_PG_URL,
    },
    stdio: ["pipe", "pipe", "inherit"],
  },
);
const url = await new Promise((resolve) =>
  createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line).url)),
);
let next = 0;
const load = (duration) =>
  autocannon({
    url: `${url}/auth/token`,
    connections: Number(process.env.CONNECTIONS ?? 200),
    duration,
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": apiKey },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ provider: "bench", account: `user${next++ % accounts}@example.com` }),
        }),
      },
    ],
  });
/** User + system CPU time of the server process, in ms (clock ticks of 10 ms). */
const cpuMs = () => {
  const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
await load(3);
const before = cpuMs();
const result = await load(Number(process.env.DURATION ?? 8));
const cpu = cpuMs() - before;
await new Promise((resolve) => {
  child.once("exit", resolve);
  child.stdin.end();
});
console.log(
  `${kind}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
    `non-2xx + errors ${result.non2xx + result.errors}; server CPU ${((1000 * cpu) / result.requests.total).toFixed(1)} µs/request`,
);

const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
if (file !== undefined) summarise(JSON.parse(readFileSync(join(dir, file), "utf8")), 30);
rmSync(dir, { recursive: true, force: true });

/** Prints the functions with the most self and total time (whole run, start-up included). */
function summarise(profile, top) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const time = new Map();
  for (const [i, id] of profile.samples.entries()) {
    time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const name = ({ callFrame: f }) =>
    `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/^file:\/\/.*\/packages\//, "")}:${f.lineNumber + 1}`;
  const self = new Map();
  const total = new Map();
  let all = 0;
  for (const node of profile.nodes) {
    const t = time.get(node.id) ?? 0;
    if (t === 0) continue;
    all += t;
    self.set(name(node), (self.get(name(node)) ?? 0) + t);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const key = name(byId.get(id));
      if (!seen.has(key)) total.set(key, (total.get(key) ?? 0) + t);
      seen.add(key);
    }
  }
  for (const [title, map] of [
    ["self", self],
    ["total (synchronous callers only)", total],
  ]) {
    console.log(`\n${title}, % of ${(all / 1000).toFixed(0)} ms sampled:`);
    for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * t) / all).toFixed(1).padStart(5)}  ${key}`);
    }
  }
}
