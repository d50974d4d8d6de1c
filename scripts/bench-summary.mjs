// Prints one table of every benchmark target recorded in .bench-results/ (see scripts/bench-results.mjs).
// `--reset` empties the directory first (run before the benches, so stale figures never show).
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { resultsDir } from "./bench-results.mjs";

if (process.argv.includes("--reset")) {
  rmSync(resultsDir, { recursive: true, force: true });
  process.exit(0);
}
const files = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((f) => f.endsWith(".json"))
      .sort()
  : [];
if (files.length === 0) {
  console.log("No benchmark results in .bench-results/ (run `pnpm bench`).");
  process.exit(0);
}
const rows = [];
for (const file of files) {
  const { pkg, targets } = JSON.parse(readFileSync(join(resultsDir, file), "utf8"));
  for (const t of targets) rows.push({ pkg, ...t });
}
console.log("\n## Benchmark targets (figure vs baseline measured in the same run)\n");
console.log("| package | target | figure | baseline | ratio | target | status |");
console.log("|---|---|---:|---:|---:|---|---|");
for (const r of rows) {
  const ratio = r.ratio === undefined ? "—" : `${r.ratio.toFixed(2)}×`;
  console.log(
    `| ${r.pkg} | ${r.target} | ${r.figure} | ${r.baseline} | ${ratio} | ${r.limit} | ${r.met ? "met" : "MISSED"} |`,
  );
}
const missed = rows.filter((r) => !r.met).length;
console.log(`\n${rows.length - missed} of ${rows.length} targets met.`);
