// Benchmarks for @credstack/scopes against a baseline measured in the same run.
// Run with `pnpm bench` (needs `pnpm build` first; turbo does that).
import { covers, resolveScopes } from "../dist/index.js";

/** Median ns/op over `samples` timed batches of `batch` calls, after a warm-up. */
function measure(fn, { batch = 20_000, samples = 25 } = {}) {
  for (let i = 0; i < batch * 5; i++) fn();
  const timings = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    timings.push(Number(process.hrtime.bigint() - start) / batch);
  }
  timings.sort((a, b) => a - b);
  return timings[Math.floor(timings.length / 2)];
}

let sink = 0;
const comprehensive = [...resolveScopes(["oauth_comprehensive"])];
// resolveScopes of a preset is one lookup of a precomputed list: the same work is a Map.get of that list.
const presets = new Map([["oauth_comprehensive", comprehensive]]);

// 20-scope sets: granted holds broad scopes, required holds 20 scopes it covers directly or by rule.
const auth = (name) => `https://www.googleapis.com/auth/${name}`;
const granted = [...comprehensive, auth("youtube"), auth("tasks")].slice(0, 20);
const required = [
  auth("drive.readonly"),
  auth("drive.file"),
  auth("drive.metadata.readonly"),
  auth("documents.readonly"),
  auth("gmail.readonly"),
  auth("gmail.send"),
  auth("gmail.compose"),
  auth("gmail.labels"),
  auth("calendar.readonly"),
  auth("calendar.events"),
  auth("spreadsheets.readonly"),
  auth("presentations.readonly"),
  auth("contacts.readonly"),
  auth("tasks.readonly"),
  auth("chat.messages.readonly"),
  auth("forms.body.readonly"),
  auth("youtube.readonly"),
  "openid",
  auth("userinfo.email"),
  auth("directory.readonly"),
];
if (!covers(granted, required)) throw new Error("benchmark sets are wrong: granted must cover required");
const sameStrings = [...required];
const sameGranted = [...granted, ...required]; // the baseline's set holds the strings themselves

const rows = [
  {
    name: 'resolveScopes(["oauth_comprehensive"])',
    ns: measure(() => {
      sink += resolveScopes(["oauth_comprehensive"]).length;
    }),
    baselineName: "Map.get of the precomputed list",
    baseline: measure(() => {
      sink += presets.get("oauth_comprehensive").length;
    }),
  },
  {
    name: "covers(granted20, required20)",
    ns: measure(() => {
      if (covers(granted, required)) sink++;
    }),
    baselineName: "new Set(20) + 20 × Set.has",
    baseline: measure(() => {
      const s = new Set(sameGranted);
      if (sameStrings.every((x) => s.has(x))) sink++;
    }),
  },
];

console.log("\n@credstack/scopes benchmarks (median of 25 batches, ns per call)\n");
console.log("| operation | ns/op | baseline | baseline ns/op | ratio |");
console.log("|---|---:|---|---:|---:|");
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.ns.toFixed(1)} | ${row.baselineName} | ${row.baseline.toFixed(1)} | ${(row.ns / row.baseline).toFixed(2)}× |`,
  );
}
console.log(
  `\ntargets: group resolution < 2000 ns and within 5× of baseline (sink ${sink > 0 ? "ok" : "empty"})`,
);
